export * from './resolver';
export * from './breakers';
export * from './service-client';
export * from './service-token';
