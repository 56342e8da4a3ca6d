// A small JSON Schema validator for the keywords the shipped schemas use (type, const, enum,
// required, properties, additionalProperties, items, $ref to #/$defs, minimum, exclusiveMinimum),
// written here so that the tests need no validator package. Unknown keywords are refused, so a
// schema cannot silently use one this validator would ignore.
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema', '$id', '$defs', 'title', 'description', 'type', 'const', 'enum', 'required', 'properties',
  'additionalProperties', 'items', '$ref', 'minimum', 'exclusiveMinimum',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  if (t === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeOf(v) === t;
}

/** The list of violations of `value` against `schema` (empty: valid), each with its JSON path. */
export function validate(schema: Schema, value: unknown, root: Schema = schema, at = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`json-schema helper: unsupported keyword ${k} at ${at}`);
  if (typeof schema.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    if (!m) throw new Error(`json-schema helper: unsupported $ref ${schema.$ref}`);
    const target = (root.$defs as Record<string, Schema>)[m[1]];
    if (!target) throw new Error(`json-schema helper: no $defs/${m[1]}`);
    return validate(target, value, root, at);
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${at}: expected ${types.join(' or ')}, got ${typeOf(value)}`];
  }
  if ('const' in schema && value !== schema.const) errors.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${at}: ${value} < ${schema.minimum}`);
    if (typeof schema.exclusiveMinimum === 'number' && !(value > schema.exclusiveMinimum)) errors.push(`${at}: ${value} <= ${schema.exclusiveMinimum}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validate(schema.items as Schema, v, root, `${at}[${i}]`)));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) errors.push(`${at}: missing ${r}`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(props[k], v, root, `${at}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property ${k}`);
      else if (typeOf(schema.additionalProperties) === 'object') errors.push(...validate(schema.additionalProperties as Schema, v, root, `${at}.${k}`));
    }
  }
  return errors;
}
