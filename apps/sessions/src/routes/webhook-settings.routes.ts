import { Router } from 'express';
import { WebhookSettingsRequestSchema } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { authorize, type TokenVerifier } from '@platform/auth-middleware';
import type { WebhookSettingsService } from '../services/webhooks/webhook-settings.service';
import { callerOf } from './caller';

/**
 * The caller's own webhook settings. Served at `/api/v1/webhook-settings` and, so that today's gateway
 * (which routes `/api/v1/sessions` to this service) reaches them, at `/api/v1/sessions/webhook-settings`.
 */
export const WEBHOOK_SETTINGS_PATHS = ['/api/v1/webhook-settings', '/api/v1/sessions/webhook-settings'];

export function webhookSettingsRoutes(d: { settings: WebhookSettingsService; verifier: TokenVerifier }): Router {
  const r = Router();
  for (const path of WEBHOOK_SETTINGS_PATHS) {
    r.get(path, ...authorize(d.verifier, 'read'), async (req, res) => {
      res.json(await d.settings.get(callerOf(req)));
    });
    r.put(path, ...authorize(d.verifier, 'create'), async (req, res) => {
      res.json(await d.settings.put(callerOf(req), parseInput(WebhookSettingsRequestSchema, req.body, 'body')));
    });
  }
  return r;
}
