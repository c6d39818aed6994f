export { freePort } from './ports';
export { uniqueId, redisPrefix, randomSuffix } from './ids';
export { cleanupRedisPrefix, testRedisUrl, escapeRedisGlob } from './redis';
export { findRepoRoot } from './repo-root';
export {
  startServiceProcess,
  ServiceStartError,
  type ServiceProcess,
  type StartServiceProcessOptions,
} from './service-process';
export { serviceBundle, defaultServiceRuntime, type ServiceRuntime } from './service-bundle';
export { killAllServiceProcesses, liveServiceProcessCount } from './children';
export { workerShared, canShareAcrossFiles, sharedProcessView, TEST_RUN_DIR_ENV, type Leftovers } from './worker-shared';
export {
  createTestDatabase,
  testDatabaseName,
  testDatabaseServerUrl,
  type TestDatabase,
  type CreateTestDatabaseOptions,
} from './database';
export { sseClient, SseHttpError, type SseStream } from './sse-client';
export { SseParser, type SseEvent } from './sse-parser';
export { jsonRequest, type JsonClient, type JsonRequestInit, type JsonResponse, type HttpVerb } from './json-request';
export { LineBuffer } from './line-buffer';
export { WebhookReceiver, verifySignature, type Received } from './webhook-receiver';
export { listRoutes, toOpenApiPath, type MountedRoute } from './list-routes';
export { routeCoverage, UNDOCUMENTED_ROUTE } from './route-coverage';
export { waitUntil, eventually, sleep, DEFAULT_WAIT_TIMEOUT_MS, DEFAULT_WAIT_INTERVAL_MS } from './wait';
export { cpuTimeMs, childPids, treeCpuTimeMs, pidsWithCommandLine } from './proc';
