import type { SessionsDeps } from '../app';
import { SessionsRepository } from '../repositories/sessions.repository';
import { RunsRepository } from '../repositories/runs.repository';
import { EventLogRepository } from '../repositories/event-log.repository';
import { RunControlRepository } from '../repositories/run-control.repository';
import { PermissionsRepository } from '../repositories/permissions.repository';
import { AuditRepository } from '../repositories/audit.repository';
import { WebhooksRepository } from '../repositories/webhooks.repository';
import { IdempotencyRepository } from '../repositories/idempotency.repository';
import { BudgetsRepository } from '../repositories/budgets.repository';
import { defaultBudget } from '../config';
import { EventHub } from './event-hub';
import { SessionsService } from './sessions.service';
import { RunsService } from './runs.service';
import { RunControlService } from './run-control.service';
import { RunWatchdog } from './run-watchdog';
import { RunnerSignal } from './runner-signal';
import { PermissionsService } from './permissions.service';
import { RunnerApiService } from './runner-api.service';
import { SessionRecordsService } from './session-records.service';
import { IdempotencyService } from './idempotency.service';
import { leaderTick } from './leader-tick';
import { BudgetLedger } from './budgets/budget-ledger';
import { BudgetService } from './budgets/budget.service';
import { buildAgents } from './agents/build-agents';
import { SecretBox } from './webhooks/secret-box';
import { WebhookSettingsService } from './webhooks/webhook-settings.service';
import { WebhookNotifier } from './webhooks/webhook-notifier';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import type { Session } from '../generated/prisma/client';
import type { Caller } from './caller';

/** Every repository and service of the sessions app, wired together (no Express, no listening). */
export function buildServices(d: SessionsDeps) {
  const c = d.config;
  const resolve = d.resolveHost ? { resolve: d.resolveHost } : {};
  const sessionsRepo = new SessionsRepository(d.db);
  const runsRepo = new RunsRepository(d.db);
  const log = new EventLogRepository(d.db, { runDeadlineMs: c.RUN_DEADLINE_MS, permissionGraceMs: c.PERMISSION_DEADLINE_GRACE_MS });
  const controlRepo = new RunControlRepository(d.db);
  const webhooksRepo = new WebhooksRepository(d.db);
  const hub = new EventHub(d.redis, d.redisSub, c.REDIS_PREFIX, d.logger);

  const webhookSettings = new WebhookSettingsService(webhooksRepo, new SecretBox(c.WEBHOOK_SECRET_KEY ?? c.SERVICE_CLIENT_SECRET), {
    allowPrivate: c.WEBHOOK_ALLOW_PRIVATE,
    ...resolve,
  });
  const notifier = new WebhookNotifier({ control: controlRepo, sessions: sessionsRepo, webhooks: webhooksRepo, queue: d.webhooksQueue, logger: d.logger });
  // Sessions and run control refer to each other (delete cancels runs; cancel checks the session):
  // each reaches the other through a function called only once both exist.
  const visible = (caller: Caller, id: string): Promise<Session> => sessions.visible(caller, id);
  const control: RunControlService = new RunControlService({
    control: controlRepo,
    visible,
    hub,
    queue: d.queue,
    signal: new RunnerSignal(d.redis, c.EVENTS_STREAM, c.CANCEL_SIGNAL_TTL_MS),
    notifier,
    logger: d.logger,
  });
  const sessions: SessionsService = new SessionsService({
    sessions: sessionsRepo,
    users: d.users,
    channels: d.channels,
    queue: d.queue,
    forkWaitMs: c.FORK_WAIT_MS,
    logger: d.logger,
    checkWebhook: (ownerId, url, path) => webhookSettings.assertSessionWebhook(ownerId, url, path),
    cancelRuns: (sessionId, actor) => control.cancelAll(sessionId, actor),
  });
  const budgets = new BudgetService({
    repo: new BudgetsRepository(d.db),
    ledger: new BudgetLedger(d.redis, c.EVENTS_STREAM),
    users: d.users,
    defaults: defaultBudget(c),
    logger: d.logger,
  });
  const runs = new RunsService({
    sessions,
    runs: runsRepo,
    queue: d.queue,
    hub,
    logger: d.logger,
    maxHeldRuns: c.MAX_HELD_RUNS_PER_SESSION,
    assertBudget: (ownerId) => budgets.assertCanQuery(ownerId),
  });
  const permissions = new PermissionsService({ repo: new PermissionsRepository(d.db), visible, queue: d.queue, runDeadlineMs: c.RUN_DEADLINE_MS, logger: d.logger });
  const idempotency = new IdempotencyService({ repo: new IdempotencyRepository(d.db), ttlS: c.IDEMPOTENCY_TTL_S, inFlightMs: c.IDEMPOTENCY_IN_FLIGHT_MS, logger: d.logger });
  const watchdog = new RunWatchdog({ control: controlRepo, runControl: control, queue: d.queue, logger: d.logger, strandedGraceMs: c.RUN_STRANDED_GRACE_MS });
  const deliveries = new WebhookDeliveryService({
    control: controlRepo,
    webhooks: webhooksRepo,
    settings: webhookSettings,
    logger: d.logger,
    options: { allowPrivate: c.WEBHOOK_ALLOW_PRIVATE, timeoutMs: c.WEBHOOK_TIMEOUT_MS, userAgent: `agent-platform-sessions/${c.SERVICE_VERSION}`, ...resolve },
  });
  const tick = leaderTick(
    [
      { name: 'requeue queued runs', run: () => runs.requeueStale(c.REQUEUE_AFTER_MS) },
      { name: 'release held runs', run: () => control.releaseHeld() },
      { name: 'expire permission requests', run: () => permissions.expireOverdue() },
      { name: 'time out runs', run: () => watchdog.timeOutOverdue(), afterBacklog: true },
      { name: 'fail stranded runs', run: () => watchdog.failStranded(), afterBacklog: true },
      { name: 'notify webhooks', run: () => notifier.sweep(c.REQUEUE_AFTER_MS) },
      { name: 'prune idempotency keys', run: () => idempotency.prune() },
    ],
    d.logger,
  );
  return {
    log,
    hub,
    sessions,
    runs,
    control,
    permissions,
    budgets,
    idempotency,
    webhookSettings,
    deliveries,
    runnerApi: new RunnerApiService({ runs: runsRepo }),
    records: new SessionRecordsService({ audit: new AuditRepository(d.db), webhooks: webhooksRepo, visible }),
    ...buildAgents(d, sessions, runs),
    leaderTick: tick,
  };
}
