import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

/** Pieces of a merged OpenAPI document, read loosely: the test checks their shape as it goes. */
export type Json = Record<string, unknown>;

export interface DocOperation {
  method: string;
  path: string;
  service: string;
  op: Json;
}

export interface Variant {
  label: string;
  value: unknown;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every operation of the document, with the service that serves it. */
export function operationsOf(doc: { paths: Record<string, Json> }): DocOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => isRecord(item[m])).map((m) => {
      const op = item[m] as Json;
      return { method: m.toUpperCase(), path, service: String(op['x-service']), op };
    }),
  );
}

const parametersOf = (op: Json, where: string): Json[] =>
  (Array.isArray(op.parameters) ? (op.parameters as Json[]) : []).filter((p) => p.in === where);

/** The JSON request body's schema and example, if the operation takes one. */
export function bodyOf(op: Json): { schema: Json; example: unknown; required: boolean } | undefined {
  const body = op.requestBody as Json | undefined;
  const media = isRecord(body?.content) ? (body.content['application/json'] as Json | undefined) : undefined;
  if (!media || !isRecord(media.schema)) return undefined;
  return { schema: media.schema, example: media.example, required: body?.required === true };
}

/** The query parameters as one object schema (strict when the document says so), with their examples. */
export function queryOf(op: Json): { schema: Json; example: Record<string, string> } | undefined {
  const params = parametersOf(op, 'query');
  if (params.length === 0) return undefined;
  const example: Record<string, string> = {};
  for (const p of params) if (p.example !== undefined) example[String(p.name)] = String(p.example);
  return {
    schema: {
      type: 'object',
      properties: Object.fromEntries(params.map((p) => [String(p.name), p.schema])),
      required: params.filter((p) => p.required === true).map((p) => String(p.name)),
      ...(op['x-query-additional-properties'] === false ? { additionalProperties: false } : {}),
    },
    example,
  };
}

/** The operation's path with its parameters filled from the document's examples. */
export function concretePath(path: string, op: Json): string {
  const examples = new Map(parametersOf(op, 'path').map((p) => [String(p.name), String(p.example ?? '')]));
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(examples.get(name) || 'x'));
}

/** Validators for the document's schemas: bodies as JSON, queries as strings coerced the way OpenAPI serialises them. */
export function validators(doc: { components?: Json }): {
  body: (s: Json) => ValidateFunction;
  query: (s: Json) => ValidateFunction;
} {
  const make = (coerceTypes: boolean) => {
    const ajv = new Ajv2020({ strict: false, coerceTypes, allErrors: false });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    // zod writes a pattern beside these formats, and the pattern is what is checked.
    for (const f of [
      'email',
      'uuid',
      'date-time',
      'date',
      'time',
      'duration',
      'ipv4',
      'ipv6',
      'cidrv4',
      'cidrv6',
      'base64',
      'jwt',
      'emoji',
    ])
      ajv.addFormat(f, true);
    ajv.addSchema({ $id: 'doc', components: doc.components ?? {} });
    const cache = new Map<string, ValidateFunction>();
    return (schema: Json) => {
      const text = JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/');
      let fn = cache.get(text);
      if (!fn) cache.set(text, (fn = ajv.compile(JSON.parse(text) as Json)));
      return fn;
    };
  };
  return { body: make(false), query: make(true) };
}

const NESTED = { nested: { deep: [1, { x: 'y' }] } };
const HUGE = 'x'.repeat(20_000);
/** Values of every JSON type; each property gets those unlike its example's, so the doc's types are not assumed. */
const WRONG: unknown[] = [12345, 'some text', true, null, [1, 'two'], NESTED];
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function withProp(base: Json, key: string, value: unknown): Json {
  return { ...base, [key]: value };
}

/**
 * Invalid (or suspicious) bodies derived from a valid example and the schema's property names:
 * another JSON type per property, missing required properties, an unknown key, huge strings,
 * nested objects where none belong, and the same one level down in object properties.
 */
export function bodyVariants(schema: Json, example: unknown, depth = 0): Variant[] {
  if (!isRecord(example)) return [{ label: 'an array body', value: [example] }];
  const props = isRecord(schema.properties) ? Object.keys(schema.properties) : Object.keys(example);
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const out: Variant[] = [
    { label: 'an empty object', value: {} },
    { label: 'an unknown key', value: withProp(example, '__unknown', 1) },
    ...(depth === 0 ? [{ label: 'an array body', value: [example] }] : []),
  ];
  for (const key of required) {
    const { [key]: _dropped, ...rest } = example;
    out.push({ label: `without required ${key}`, value: rest });
  }
  for (const key of props) {
    const current = example[key];
    for (const wrong of WRONG)
      if (kind(wrong) !== kind(current))
        out.push({ label: `${key} as ${kind(wrong)}`, value: withProp(example, key, wrong) });
    out.push({ label: `${key} as a huge string`, value: withProp(example, key, HUGE) });
    const sub = isRecord(schema.properties) ? (schema.properties as Json)[key] : undefined;
    if (depth === 0 && isRecord(sub) && sub.type === 'object') {
      for (const v of bodyVariants(sub, isRecord(current) ? current : {}, depth + 1))
        out.push({ label: `${key}: ${v.label}`, value: withProp(example, key, v.value) });
    }
  }
  return out;
}

/** Invalid (or suspicious) query strings: each parameter as text, negative, fractional, empty, huge; and an unknown key. */
export function queryVariants(schema: Json, example: Record<string, string>): Variant[] {
  const out: Variant[] = [{ label: 'an unknown parameter', value: { ...example, __unknown: '1' } }];
  for (const key of Object.keys(isRecord(schema.properties) ? schema.properties : {})) {
    for (const bad of ['abc', '-1', '1.5', '0', '', '99999999999', 'x'.repeat(600)]) {
      out.push({ label: `${key}=${bad.length > 20 ? 'x…' : bad}`, value: { ...example, [key]: bad } });
    }
  }
  return out;
}
