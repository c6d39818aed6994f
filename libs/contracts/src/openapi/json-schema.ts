import { z } from 'zod';
import type { JsonSchema } from './operation';

/** Shared `components.schemas` a document collects while its operations' schemas are converted. */
export type SchemaComponents = Record<string, JsonSchema>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rewriteRefs(node: unknown, renames: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, renames));
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    const renamed = k === '$ref' && typeof v === 'string' ? renames.get(v) : undefined;
    out[k] = renamed ?? rewriteRefs(v, renames);
  }
  return out;
}

function uniqueName(base: string, def: JsonSchema, components: SchemaComponents): string {
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_');
  for (let i = 1; ; i++) {
    const name = i === 1 ? safe : `${safe}_${i}`;
    const existing = components[name];
    if (existing === undefined || JSON.stringify(existing) === JSON.stringify(def)) return name;
  }
}

/**
 * Converts a zod schema to an OpenAPI 3.1 schema object (JSON Schema 2020-12): requests as the
 * `input` the route accepts, responses as the `output` it sends. Recursive parts land in
 * `components` (a `$defs` ref inside an operation would not resolve from the document root).
 * Response objects that are not strict stay open, since readers must ignore fields they do not know.
 */
export function toSchemaObject(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: SchemaComponents,
  hint: string,
): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    cycles: 'ref',
    reused: 'inline',
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (io === 'output' && def.type === 'object' && def.catchall === undefined)
        delete jsonSchema.additionalProperties;
    },
  }) as JsonSchema;
  const { $schema: _dialect, $defs, ...rest } = json;
  if (!isRecord($defs)) return rest;
  const names = new Map<string, string>();
  for (const [key, def] of Object.entries($defs)) {
    names.set(
      key,
      uniqueName(
        key.startsWith('__schema') ? `${hint}${key.slice('__schema'.length)}` : key,
        def as JsonSchema,
        components,
      ),
    );
  }
  const refs = new Map([...names].map(([key, name]) => [`#/$defs/${key}`, `#/components/schemas/${name}`]));
  for (const [key, def] of Object.entries($defs))
    components[names.get(key) ?? key] = rewriteRefs(def, refs) as JsonSchema;
  return rewriteRefs(rest, refs) as JsonSchema;
}

/** Properties of an object schema (also across `allOf`/`anyOf`/`oneOf` branches), with whether each is required. */
export function objectProperties(schema: JsonSchema): { name: string; schema: JsonSchema; required: boolean }[] {
  const branches = [
    schema,
    ...['allOf', 'anyOf', 'oneOf'].flatMap((k) => (Array.isArray(schema[k]) ? (schema[k] as JsonSchema[]) : [])),
  ];
  const seen = new Map<string, { name: string; schema: JsonSchema; required: boolean }>();
  for (const branch of branches) {
    const props = isRecord(branch.properties) ? branch.properties : {};
    const required = Array.isArray(branch.required) ? (branch.required as string[]) : [];
    for (const [name, s] of Object.entries(props)) {
      const prior = seen.get(name);
      seen.set(name, {
        name,
        schema: prior?.schema ?? (s as JsonSchema),
        required: (prior?.required ?? false) || (branch === schema && required.includes(name)),
      });
    }
  }
  return [...seen.values()];
}
