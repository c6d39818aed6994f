import { createHash } from 'node:crypto';

/** Namespace of permission request ids (a fixed random UUID; changing it would change every id). */
const PERMISSION_NAMESPACE = Buffer.from('6f1d2c9a4b7e4d0f9a3c5e8b1d2f4a6c', 'hex');

/**
 * The id of the permission request for one tool call of one run: an RFC 4122 version-5 UUID (SHA-1
 * of a namespace and `<run_id>:<tool_use_id>`), so every attempt of the run asks under the same id.
 */
export function permissionRequestId(runId: string, toolUseId: string): string {
  const hash = createHash('sha1').update(PERMISSION_NAMESPACE).update(`${runId}:${toolUseId}`).digest();
  const bytes = [...hash.subarray(0, 16)];
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
