import request from 'supertest';
import type { Express } from 'express';
import { ChannelSchema, type Channel } from '@platform/contracts';
import type { Caller } from './tokens';

/** `POST /api/channels` as `caller`; fails the test unless it answers 201 with a channel. */
export async function createChannel(
  app: Express,
  caller: Caller,
  body: { name: string; description?: string | null },
): Promise<Channel> {
  const res = await request(app).post('/api/channels').set(caller.auth).send(body);
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.text}`);
  return ChannelSchema.strict().parse(res.body);
}
