import { ChannelSchema, InternalUserSchema, type InternalUser } from '@platform/contracts';
import { NotFoundError } from '@platform/service-kit';
import { UpstreamResponseError, type ServiceClient } from '@platform/service-client';

/** What sessions asks auth: a user's session quota, whether a user exists. Auth unreachable → 503 (the client throws), never a silent bypass. */
export class UsersClient {
  constructor(private readonly auth: ServiceClient) {}

  async get(userId: string): Promise<InternalUser> {
    const { data } = await this.auth.request({ method: 'GET', path: `/internal/users/${userId}`, schema: InternalUserSchema });
    return data;
  }

  /** Whether auth knows the user (an admin naming someone in a budget or a usage report). */
  async exists(userId: string): Promise<boolean> {
    try {
      await this.get(userId);
      return true;
    } catch (err) {
      if (err instanceof UpstreamResponseError && err.upstreamStatus === 404) return false;
      throw err;
    }
  }
}

/** What sessions asks channels: whether a caller may see a channel (404 otherwise, never a hint). */
export class ChannelsClient {
  constructor(private readonly channels: ServiceClient) {}

  async assertVisible(channelId: string, caller: { userId: string; role: string }): Promise<void> {
    try {
      await this.channels.request({
        method: 'GET',
        path: `/internal/channels/${channelId}`,
        query: { user_id: caller.userId, role: caller.role },
        schema: ChannelSchema,
      });
    } catch (err) {
      if (err instanceof UpstreamResponseError && err.upstreamStatus === 404) throw new NotFoundError('Channel');
      throw err;
    }
  }
}
