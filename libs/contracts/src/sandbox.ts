import { z } from 'zod';

/**
 * One entry of a network allowlist: a host name (`registry.npmjs.org`), a wildcard for its
 * subdomains (`*.github.com`, which does not match `github.com` itself), an IPv4 literal or a
 * bracketed IPv6 literal, with an optional port (`api.example.com:8443`; without one, 80 and 443).
 * `*` alone allows every public host. Private, loopback, link-local and metadata addresses stay
 * refused whatever the list says, unless the operator allows them (SANDBOX_EGRESS_ALLOW_PRIVATE).
 */
export const NetworkHostRuleSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(260)
  .regex(
    /^(\*|(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?|\[[0-9a-f:.]+\])(:([1-9][0-9]{0,4}))?$/,
    'a host name, *.domain, an IP literal ([v6] in brackets) or *, with an optional :port',
  )
  .refine((rule) => {
    const port = /:(\d+)$/.exec(rule.replace(/^\[[^\]]*\]/, ''))?.[1];
    return port === undefined || Number(port) <= 65_535;
  }, 'the port must be 1-65535');

/**
 * Where code a session runs may connect: `none` (the default: no network at all) or an allowlist
 * enforced outside the sandbox by an egress proxy, the sandbox's only way out (HTTP and HTTPS
 * through HTTP_PROXY/HTTPS_PROXY, which the sandbox's environment sets).
 */
export const NetworkPolicySchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('none') }),
  z.strictObject({ mode: z.literal('allowlist'), hosts: z.array(NetworkHostRuleSchema).min(1).max(50) }),
]);
export type NetworkPolicy = z.infer<typeof NetworkPolicySchema>;

/** Per-call limits a caller may ask for; the sandbox clamps each to its own configured maximum. */
export const SandboxLimitsSchema = z.strictObject({
  timeout_ms: z.number().int().min(100).max(3_600_000).optional(),
  cpu_s: z.number().int().min(1).max(3600).optional(),
  output_limit_bytes: z.number().int().min(1024).max(16 * 1024 * 1024).optional(),
});
export type SandboxLimits = z.infer<typeof SandboxLimitsSchema>;

/** `POST /v1/exec` on the sandbox service's socket: run one command in a session's working directory. */
export const SandboxExecRequestSchema = z.strictObject({
  workspace_id: z.uuid(),
  /** The program and its arguments (`["/bin/sh", "-c", line]` for a command line). */
  argv: z.array(z.string().max(200_000)).min(1).max(1000),
  /** stderr goes to the same stream as stdout, in order (for test output). */
  merge_stderr: z.boolean().default(false),
  network: NetworkPolicySchema.default({ mode: 'none' }),
  limits: SandboxLimitsSchema.default({}),
});
export type SandboxExecRequest = z.input<typeof SandboxExecRequestSchema>;

/** One connection the egress proxy was asked for, and what it decided. */
export const EgressDecisionSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  allowed: z.boolean(),
  /** Why it was refused (not on the allowlist, an internal address, does not resolve); null when allowed. */
  reason: z.string().nullable(),
});
export type EgressDecision = z.infer<typeof EgressDecisionSchema>;

/** Why the sandbox ended a command before it ended by itself. */
export const SandboxStopReasonSchema = z.enum(['timeout', 'cancelled', 'disk_quota']);
export type SandboxStopReason = z.infer<typeof SandboxStopReasonSchema>;

export const SandboxExecResultSchema = z.object({
  /** null when the command was ended by a signal (or never started). */
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
  duration_ms: z.number(),
  /** Set when the sandbox ended the command itself; null when it ended on its own. */
  stopped: SandboxStopReasonSchema.nullable(),
  egress: z.array(EgressDecisionSchema),
  /** The working directory's size when the command ended, and the quota it must stay under. */
  workspace: z.object({ bytes: z.number(), files: z.number(), quota_bytes: z.number() }),
});
export type SandboxExecResult = z.infer<typeof SandboxExecResultSchema>;
