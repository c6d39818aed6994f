import type { WebhookSettings as WebhookSettingsDto, WebhookSettingsRequest } from '@platform/contracts';
import { ConflictError, ValidationError } from '@platform/service-kit';
import type { WebhooksRepository } from '../../repositories/webhooks.repository';
import type { Caller } from '../caller';
import { newWebhookSecret, type SecretBox } from './secret-box';
import { WebhookUrlRefused, checkWebhookUrl, type Resolve } from './url-guard';

/** Each person's default webhook and signing secret; the URL checks every webhook setting goes through. */
export class WebhookSettingsService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly box: SecretBox,
    private readonly o: { allowPrivate: boolean; resolve?: Resolve },
  ) {}

  /** A URL a webhook may use, or a 400 naming `path`. */
  async assertUrl(raw: string, path: string): Promise<string> {
    try {
      await checkWebhookUrl(raw, { allowPrivate: this.o.allowPrivate, ...(this.o.resolve ? { resolve: this.o.resolve } : {}) });
      return raw;
    } catch (err) {
      if (err instanceof WebhookUrlRefused) throw new ValidationError([{ path, message: err.reason, code: 'custom' }]);
      throw err;
    }
  }

  /** A session webhook for `ownerId`: a usable URL, and a secret to sign with (409 until they made one). */
  async assertSessionWebhook(ownerId: string, url: string, path: string): Promise<void> {
    await this.assertUrl(url, path);
    if (!(await this.repo.settings(ownerId))) {
      throw new ConflictError('Create a webhook signing secret first: PUT /api/v1/webhook-settings', { path });
    }
  }

  async get(caller: Caller): Promise<WebhookSettingsDto> {
    const s = await this.repo.settings(caller.userId);
    return {
      url: s?.url ?? null,
      has_secret: s !== null,
      created_at: s?.createdAt.toISOString() ?? null,
      updated_at: s?.updatedAt.toISOString() ?? null,
    };
  }

  /** Sets the default URL; the first call, and any with rotate_secret, answers with a new secret (shown once). */
  async put(caller: Caller, body: WebhookSettingsRequest): Promise<WebhookSettingsDto> {
    if (body.url) await this.assertUrl(body.url, 'body.url');
    const existing = await this.repo.settings(caller.userId);
    const fresh = !existing || body.rotate_secret === true ? newWebhookSecret() : undefined;
    const sealed = fresh ? this.box.seal(fresh) : undefined;
    const saved = await this.repo.saveSettings(caller.userId, { url: body.url, secret: sealed ?? existing?.secret ?? '' });
    return {
      url: saved.url,
      has_secret: true,
      ...(fresh ? { secret: fresh } : {}),
      created_at: saved.createdAt.toISOString(),
      updated_at: saved.updatedAt.toISOString(),
    };
  }

  /** What signs a person's deliveries and where their sessions report by default. */
  async forDelivery(userId: string): Promise<{ secret: string; url: string | null } | null> {
    const s = await this.repo.settings(userId);
    return s ? { secret: this.box.open(s.secret), url: s.url } : null;
  }
}
