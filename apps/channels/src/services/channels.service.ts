import {
  roleMay,
  type Channel,
  type ChannelCreateRequest,
  type ChannelListQuery,
  type ChannelListResponse,
  type ChannelPatchRequest,
  type ChannelReplaceRequest,
} from '@platform/contracts';
import { NotFoundError } from '@platform/service-kit';
import { decodeCursor, pageFrom } from '@platform/db-kit';
import { toChannelDto, type ChannelsRepository, type Scope } from '../repositories/channels.repository';

/** Who is asking: a user id and the role their token (or the calling service) vouches for. */
export interface Viewer {
  userId: string;
  role: string;
}

/** Admins reach every channel; everyone else only their own. */
export const scopeOf = (v: Viewer): Scope => (roleMay(v.role, 'manage') ? { all: true } : { ownerId: v.userId });

/**
 * Channel use cases. A channel outside the viewer's scope is a 404, exactly like a missing one, so
 * nobody learns that another user's channel exists.
 */
export class ChannelsService {
  constructor(private readonly channels: ChannelsRepository) {}

  async create(viewer: Viewer, input: ChannelCreateRequest): Promise<Channel> {
    const row = await this.channels.create({
      ownerId: viewer.userId,
      name: input.name,
      description: input.description ?? null,
    });
    return toChannelDto(row);
  }

  async list(viewer: Viewer, q: ChannelListQuery): Promise<ChannelListResponse> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    return pageFrom(await this.channels.list(scopeOf(viewer), after, q.limit), q.limit, toChannelDto);
  }

  async get(viewer: Viewer, id: string): Promise<Channel> {
    const row = await this.channels.find(id, scopeOf(viewer));
    if (!row) throw new NotFoundError('Channel');
    return toChannelDto(row);
  }

  /** PUT: name and description both take the request's values (an absent description clears it). */
  async replace(viewer: Viewer, id: string, input: ChannelReplaceRequest): Promise<Channel> {
    return toChannelDto(
      await this.channels.update(id, scopeOf(viewer), { name: input.name, description: input.description }),
    );
  }

  /** PATCH: only the fields present change; `description: null` clears it. */
  async patch(viewer: Viewer, id: string, input: ChannelPatchRequest): Promise<Channel> {
    const data = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    return toChannelDto(await this.channels.update(id, scopeOf(viewer), data));
  }

  /** The platform-wide count (for the status page; internal callers only). */
  countAll(): Promise<number> {
    return this.channels.countAll();
  }

  async delete(viewer: Viewer, id: string): Promise<void> {
    await this.channels.delete(id, scopeOf(viewer));
  }
}
