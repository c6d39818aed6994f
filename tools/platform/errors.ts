/** A failure the user can act on: reported as its message (and details) alone, without a stack. */
export class PlatformError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

/** The message of anything thrown, for reports. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
