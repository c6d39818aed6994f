import type { WebhookJob, WebhookPayload } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import type { RunControlRepository } from '../../repositories/run-control.repository';
import type { WebhooksRepository } from '../../repositories/webhooks.repository';
import { toRunDto } from '../../repositories/mappers';
import type { WebhookSettingsService } from './webhook-settings.service';
import { postJson } from './post-json';
import { signatureHeader } from './signature';
import { WebhookUrlRefused, checkWebhookUrl, type Resolve } from './url-guard';

/** A delivery that no retry can fix (the URL is refused, nothing to sign with). */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
}

export interface DeliveryOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  userAgent: string;
  resolve?: Resolve;
}

/** One attempt at delivering a run's end: recorded before and after, signed, and thrown on anything but 2xx (so it is retried). */
export class WebhookDeliveryService {
  constructor(
    private readonly d: {
      control: RunControlRepository;
      webhooks: WebhooksRepository;
      settings: WebhookSettingsService;
      logger: Logger;
      options: DeliveryOptions;
    },
  ) {}

  async deliver(job: WebhookJob, attempt: number): Promise<'delivered' | 'skipped'> {
    const run = await this.d.control.findRun(job.run_id);
    // The session was deleted with its runs: nobody to tell about it any more.
    if (!run) return 'skipped';
    const payload: WebhookPayload = { event: job.event, session_id: job.session_id, run: toRunDto(run) };
    const body = JSON.stringify(payload);
    const delivery = await this.d.webhooks.startAttempt({ sessionId: job.session_id, runId: job.run_id, url: job.url, event: job.event, attempt });
    const fail = async (error: string, responseStatus: number | null = null) => {
      await this.d.webhooks.finishAttempt(delivery, { status: 'failed', responseStatus, error });
    };
    let owner: { secret: string } | null;
    try {
      owner = await this.d.settings.forDelivery(job.user_id);
    } catch (err) {
      // Sealed with another key (WEBHOOK_SECRET_KEY changed): no retry can read it.
      this.d.logger.error('cannot open the webhook secret', { user_id: job.user_id, ...errorFields(err) });
      owner = null;
    }
    if (!owner) {
      await fail('no usable webhook signing secret');
      throw new PermanentDeliveryError('no usable webhook signing secret');
    }
    let status: number;
    try {
      // Checked again at delivery time: what a name resolves to may have changed since it was set.
      const url = await checkWebhookUrl(job.url, { allowPrivate: this.d.options.allowPrivate, ...(this.d.options.resolve ? { resolve: this.d.options.resolve } : {}) });
      status = await postJson(
        url,
        body,
        {
          'user-agent': this.d.options.userAgent,
          'x-signature': signatureHeader(owner.secret, body),
          'x-webhook-event': job.event,
          'x-webhook-delivery': delivery.id,
          'x-webhook-attempt': String(attempt),
        },
        { timeoutMs: this.d.options.timeoutMs, allowPrivate: this.d.options.allowPrivate },
      );
    } catch (err) {
      const refused = err instanceof WebhookUrlRefused;
      await fail(refused ? `refused: ${err.reason}` : errorMessage(err));
      this.d.logger.info('webhook delivery failed', { run_id: job.run_id, attempt, ...errorFields(err) });
      if (refused) throw new PermanentDeliveryError(err.reason);
      throw err;
    }
    if (status >= 200 && status < 300) {
      await this.d.webhooks.finishAttempt(delivery, { status: 'succeeded', responseStatus: status, error: null });
      return 'delivered';
    }
    await fail(`answered ${status}`, status);
    throw new Error(`webhook answered ${status}`);
  }
}

function errorMessage(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return (e.code ? `${e.code}: ` : '') + (e.message ?? String(err)).slice(0, 500);
}
