import type { Channel as ChannelDto } from '@platform/contracts';
import { ConflictError, NotFoundError } from '@platform/service-kit';
import { afterCursor, isRecordNotFound, isUniqueViolation, type KeysetPosition } from '@platform/db-kit';
import type { Channel, Prisma } from '../generated/prisma/client';
import type { Db } from '../db';

export type ChannelRow = Channel;

/** Which channels a caller may reach: one owner's, or (admin) everyone's. */
export type Scope = { ownerId: string } | { all: true };

export function toChannelDto(c: Channel): ChannelDto {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    owner_id: c.ownerId,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

const ownedBy = (scope: Scope) => ('ownerId' in scope ? { ownerId: scope.ownerId } : {});

/** Maps the write errors every statement here can raise; anything else (an outage) goes on unchanged. */
function translate(err: unknown): never {
  if (isUniqueViolation(err)) throw new ConflictError('You already have a channel with this name', { field: 'name' });
  if (isRecordNotFound(err)) throw new NotFoundError('Channel');
  throw err;
}

/**
 * Channels in Postgres. Reads and writes carry the caller's scope in the statement itself, so a
 * channel outside it is indistinguishable from one that does not exist (and no check can race the write).
 */
export class ChannelsRepository {
  constructor(private readonly db: Db) {}

  async create(data: { ownerId: string; name: string; description: string | null }): Promise<Channel> {
    return this.db.channel.create({ data }).catch(translate);
  }

  find(id: string, scope: Scope): Promise<Channel | null> {
    return this.db.channel.findFirst({ where: { id, ...ownedBy(scope) } });
  }

  async update(id: string, scope: Scope, data: Prisma.ChannelUpdateInput): Promise<Channel> {
    return this.db.channel.update({ where: { id, ...ownedBy(scope) }, data }).catch(translate);
  }

  async delete(id: string, scope: Scope): Promise<void> {
    await this.db.channel.delete({ where: { id, ...ownedBy(scope) } }).catch(translate);
  }

  /** How many channels exist, across every owner. */
  countAll(): Promise<number> {
    return this.db.channel.count();
  }

  /** Newest first, keyset-paginated on (created_at, id); fetches `limit + 1` so the caller can tell if more follow. */
  list(scope: Scope, after: KeysetPosition | undefined, limit: number): Promise<Channel[]> {
    return this.db.channel.findMany({
      where: { ...ownedBy(scope), ...afterCursor(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
  }
}
