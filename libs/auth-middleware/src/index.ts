export * from './jwks';
export * from './verify';
export * from './middleware';
