import type { OpenApiDocument, OpenApiInfo } from '@platform/contracts';

type Json = Record<string, unknown>;
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const SCHEMA_REF = '#/components/schemas/';

/** One service's document, fresh or the last good copy of a service that is down. */
export interface ServiceDocument {
  service: string;
  doc: OpenApiDocument;
  stale: boolean;
}

export interface MergeOptions {
  /** Only paths a client can reach through the gateway are listed. */
  routable: (path: string) => boolean;
  /** Services that should have answered but have never been reached. */
  unavailable: string[];
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function renameRefs(node: unknown, renames: ReadonlyMap<string, string>): unknown {
  if (renames.size === 0) return node;
  if (Array.isArray(node)) return node.map((n) => renameRefs(n, renames));
  if (!isRecord(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    const target =
      k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF)
        ? renames.get(v.slice(SCHEMA_REF.length))
        : undefined;
    out[k] = target ? `${SCHEMA_REF}${target}` : renameRefs(v, renames);
  }
  return out;
}

/** Adds a document's component schemas; a name another service already uses differently becomes `<service>.<name>`. */
function mergeSchemas(into: Json, from: Json, service: string): Map<string, string> {
  const renames = new Map<string, string>();
  for (const [name, schema] of Object.entries(from)) {
    const existing = into[name];
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(schema))
      renames.set(name, `${service}.${name}`);
  }
  for (const [name, schema] of Object.entries(from)) into[renames.get(name) ?? name] = renameRefs(schema, renames);
  return renames;
}

/**
 * Merges the gateway's own document and every service's into the one document clients read:
 * paths (tagged with `x-service`), component schemas, security schemes and tags. Services that
 * could not be read are listed in `x-unavailable-services` instead of failing the whole document.
 */
export function mergeOpenApiDocuments(
  info: OpenApiInfo,
  docs: readonly ServiceDocument[],
  o: MergeOptions,
): OpenApiDocument {
  const paths: Record<string, Json> = {};
  const schemas: Json = {};
  const securitySchemes: Json = {};
  const tags = new Map<string, Json>();
  const duplicates: string[] = [];
  for (const { service, doc } of docs) {
    const renames = mergeSchemas(schemas, doc.components?.schemas ?? {}, service);
    Object.assign(securitySchemes, doc.components?.securitySchemes ?? {});
    for (const tag of doc.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!o.routable(path)) continue;
      const merged = (paths[path] ??= {});
      for (const [method, op] of Object.entries(item)) {
        if (!METHODS.has(method)) {
          merged[method] ??= renameRefs(op, renames);
        } else if (merged[method] !== undefined) {
          duplicates.push(`${method.toUpperCase()} ${path} (${service})`);
        } else if (isRecord(op)) {
          merged[method] = { ...(renameRefs(op, renames) as Json), 'x-service': service };
        }
      }
    }
  }
  return {
    openapi: '3.1.0',
    info: { ...info },
    tags: [...tags.values()].sort((a, b) => String(a.name).localeCompare(String(b.name))) as OpenApiDocument['tags'],
    paths,
    components: { schemas, securitySchemes },
    'x-services': docs.map((d) => ({ name: d.service, version: d.doc.info.version, stale: d.stale })),
    'x-unavailable-services': [...o.unavailable].sort(),
    ...(duplicates.length ? { 'x-duplicate-operations': duplicates } : {}),
  };
}
