export * from './jwks';
export * from './verify';
export * from './middleware';
export * from './from-auth';
export * from './token-cache';
