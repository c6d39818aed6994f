export * from './jwks';
export * from './verify';
export * from './middleware';
export * from './from-auth';
