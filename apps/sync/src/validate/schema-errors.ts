import type { ErrorObject } from 'ajv';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function pointerParts(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const key of pointerParts(pointer)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function fieldName(pointer: string, child?: unknown): string {
  const parts = pointerParts(pointer);
  if (child !== undefined) parts.push(String(child));
  return parts.join('.');
}

/**
 * One sentence for a schema error that names the field. Values are described by their kind only:
 * a CI log is no place for the records' (or the config's) contents.
 */
export function describeSchemaError(error: ErrorObject, data: unknown, whole = 'the record'): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return `field "${fieldName(error.instancePath, params.missingProperty)}" is required but missing`;
  if (error.keyword === 'additionalProperties') {
    return `field "${fieldName(error.instancePath, params.additionalProperty)}" is not allowed by the schema`;
  }
  const field = fieldName(error.instancePath);
  const subject = field ? `field "${field}"` : whole;
  if (error.keyword === 'type') {
    const types = Array.isArray(params.type) ? (params.type as string[]) : String(params.type).split(',');
    return `${subject} must be ${types.join(' or ')} (got ${kindOf(valueAt(data, error.instancePath))})`;
  }
  return `${subject} ${error.message ?? `breaks the schema's "${error.keyword}" rule`}`;
}
