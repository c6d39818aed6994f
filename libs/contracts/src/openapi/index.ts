export * from './operation';
export { buildOpenApiDocument, operationIdOf } from './build';
export { endpointsFromOperations, exampleProblems } from './endpoints';
export { toSchemaObject, objectProperties } from './json-schema';
export * from './docs-links';
