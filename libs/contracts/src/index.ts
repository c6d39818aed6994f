export * from './errors';
export * from './common';
export * from './registry';
export * from './auth';
export * from './gateway';
