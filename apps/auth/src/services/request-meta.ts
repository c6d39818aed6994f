/** Who and where a request came from, for tokens and the audit log. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}
