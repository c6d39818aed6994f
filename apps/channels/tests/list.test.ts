import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ChannelListResponseSchema, type Channel } from '@platform/contracts';
import type { Caller } from './support/tokens';
import { issuePaths } from './support/envelope';
import { startChannels, type ChannelsHarness } from './support/harness';

let h: ChannelsHarness;
beforeAll(async () => {
  h = await startChannels();
}, 30_000);
afterAll(() => h?.close());

/** Inserts `n` channels for `ownerId` directly; every three share one created_at, so pages must break ties by id. */
async function seed(ownerId: string, n: number, tag = 'c'): Promise<void> {
  const base = Date.now() - 60_000;
  await h.db.channel.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      ownerId,
      name: `${tag}-${i}`,
      createdAt: new Date(base + Math.floor(i / 3) * 1000),
    })),
  });
}

async function listAll(caller: Caller, limit: number, path = '/api/channels'): Promise<Channel[][]> {
  const pages: Channel[][] = [];
  let cursor: string | null = null;
  do {
    const res = await request(h.app)
      .get(path)
      .set(caller.auth)
      .query({ limit, ...(cursor ? { cursor } : {}) })
      .expect(200);
    const page = ChannelListResponseSchema.parse(res.body);
    pages.push(page.items);
    cursor = page.next_cursor;
  } while (cursor && pages.length < 50);
  return pages;
}

describe('GET /api/channels', () => {
  it("walks every one of the caller's channels exactly once across cursor pages, newest first", async () => {
    const caller = h.signer.caller('user');
    await seed(caller.id, 23);

    const pages = await listAll(caller, 5);

    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    const expected = await h.db.channel.findMany({
      where: { ownerId: caller.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    const ids = pages.flat().map((c) => c.id);
    expect(ids).toEqual(expected.map((c) => c.id));
    expect(new Set(ids).size).toBe(23);
  });

  it('shows a user only their own channels, and an empty page when they have none', async () => {
    const mine = h.signer.caller('user');
    const theirs = h.signer.caller('user');
    await seed(mine.id, 2, 'mine');
    await seed(theirs.id, 3, 'theirs');
    const nobody = h.signer.caller('user');

    const listed = ChannelListResponseSchema.parse(
      (await request(h.app).get('/api/channels').set(mine.auth).expect(200)).body,
    );
    const empty = ChannelListResponseSchema.parse(
      (await request(h.app).get('/api/channels').set(nobody.auth).expect(200)).body,
    );

    expect(listed.items.map((c) => c.name).sort()).toEqual(['mine-0', 'mine-1']);
    expect(listed.next_cursor).toBeNull();
    expect(empty).toEqual({ items: [], next_cursor: null });
  });

  it("shows an admin every owner's channels, newest first, without gaps or repeats", async () => {
    const admin = h.signer.caller('admin');
    const owners = [randomUUID(), randomUUID(), randomUUID()];
    for (const o of owners) await seed(o, 4, 'adm');

    const ids = (await listAll(admin, 3)).flat().map((c) => c.id);

    const expected = await h.db.channel.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    expect(ids).toEqual(expected.map((c) => c.id));
    expect(new Set(ids).size).toBe(expected.length);
    const seenOwners = new Set((await h.db.channel.findMany({ where: { id: { in: ids } } })).map((c) => c.ownerId));
    for (const o of owners) expect(seenOwners.has(o)).toBe(true);
  });

  it('defaults to 20 items per page', async () => {
    const caller = h.signer.caller('user');
    await seed(caller.id, 21);

    const page = ChannelListResponseSchema.parse(
      (await request(h.app).get('/api/channels').set(caller.auth).expect(200)).body,
    );

    expect(page.items).toHaveLength(20);
    expect(page.next_cursor).not.toBeNull();
  });

  it('rejects a bad limit or cursor with 400 naming the query field', async () => {
    const caller = h.signer.caller('user');
    const forged = Buffer.from(JSON.stringify(['not-a-date', 'not-a-uuid'])).toString('base64url');

    for (const limit of ['0', '101', 'ten', '1.5']) {
      expect(
        issuePaths((await request(h.app).get('/api/channels').set(caller.auth).query({ limit }).expect(400)).body),
      ).toEqual(['query.limit']);
    }
    for (const cursor of ['garbage', forged]) {
      expect(
        issuePaths((await request(h.app).get('/api/channels').set(caller.auth).query({ cursor }).expect(400)).body),
      ).toEqual(['query.cursor']);
    }
  });
});
