import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { cleanupRedisPrefix, redisPrefix, testRedisUrl } from '@platform/testing';

interface ServiceClient {
  id: string;
  secret: string;
}

/**
 * The private state sessions and agent-runner share in one platform: a Redis key prefix holding the
 * BullMQ queue, the run-events stream and sessions' own keys, a temporary WORKDIR_ROOT, and the two
 * service identities auth must know.
 */
export class AgentStack {
  /** Every Redis key of this stack starts with it. */
  readonly prefix: string;
  readonly queuePrefix: string;
  readonly eventsStream: string;
  readonly sessionsClient: ServiceClient = { id: 'sessions', secret: `sessions-${randomBytes(16).toString('hex')}` };
  readonly runnerClient: ServiceClient = { id: 'agent-runner', secret: `runner-${randomBytes(16).toString('hex')}` };
  /** The runner's WORKDIR_ROOT; `<workdirRoot>/<session id>` is a session's working directory. */
  workdirRoot = '';

  /**
   * @param redisUrl The Redis sessions and the runner use and the stack's keys are cleaned from;
   *   defaults to {@link testRedisUrl}.
   */
  constructor(
    name: string,
    private readonly redisUrl?: string,
  ) {
    this.prefix = redisPrefix(`${name}-agents`);
    // BullMQ joins its prefix and the queue name with a colon.
    this.queuePrefix = this.prefix.slice(0, -1);
    this.eventsStream = `${this.prefix}events`;
  }

  async createWorkdirRoot(): Promise<string> {
    this.workdirRoot = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'e2e-workdirs-')));
    return this.workdirRoot;
  }

  /** auth's SERVICE_CLIENTS entries for both services. */
  serviceClients(): string {
    return [this.sessionsClient, this.runnerClient].map((c) => `${c.id}:${c.secret}`).join(',');
  }

  sessionsEnv(databaseUrl: string): Record<string, string> {
    return {
      DATABASE_URL: databaseUrl,
      REDIS_URL: this.redisUrl ?? testRedisUrl(),
      REDIS_PREFIX: `${this.prefix}sessions:`,
      QUEUE_PREFIX: this.queuePrefix,
      EVENTS_STREAM: this.eventsStream,
      SERVICE_CLIENT_ID: this.sessionsClient.id,
      SERVICE_CLIENT_SECRET: this.sessionsClient.secret,
      SSE_HEARTBEAT_MS: '500',
    };
  }

  runnerEnv(): Record<string, string> {
    return {
      REDIS_URL: this.redisUrl ?? testRedisUrl(),
      QUEUE_PREFIX: this.queuePrefix,
      EVENTS_STREAM: this.eventsStream,
      WORKDIR_ROOT: this.workdirRoot,
      SERVICE_CLIENT_ID: this.runnerClient.id,
      SERVICE_CLIENT_SECRET: this.runnerClient.secret,
      // The offline model, whatever provider keys the developer's shell happens to export.
      DEFAULT_PROVIDER: 'offline',
      ANTHROPIC_API_KEY: '',
      OPENAI_API_KEY: '',
    };
  }

  /** Each cleanup, to be settled together: every key of the stack (events stream and run ledgers included), the working directories. */
  cleanups(): Array<Promise<unknown>> {
    return [
      cleanupRedisPrefix(this.prefix, this.redisUrl),
      this.workdirRoot ? fs.rm(this.workdirRoot, { recursive: true, force: true }) : Promise.resolve(),
    ];
  }
}
