import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

// The vendored protocol schema; src/protocol and dist/protocol both sit two levels below the package root.
const schemaUrl = new URL('../../resources/airbyte_protocol.yaml', import.meta.url);

export interface ValidationResult {
  valid: boolean;
  errors: string[];
}

// ajv-formats ships CommonJS with a default export property.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

let compiled: { message: ValidateFunction; catalog: ValidateFunction } | undefined;

function validators(): { message: ValidateFunction; catalog: ValidateFunction } {
  if (!compiled) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(parse(readFileSync(schemaUrl, 'utf8')) as object, 'airbyte');
    compiled = {
      message: ajv.getSchema('airbyte#/definitions/AirbyteMessage')!,
      catalog: ajv.getSchema('airbyte#/definitions/ConfiguredAirbyteCatalog')!,
    };
  }
  return compiled;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Checks one parsed stdout line against the protocol's AirbyteMessage schema. */
export function validateMessage(message: unknown): ValidationResult {
  const v = validators().message;
  const valid = v(message) as boolean;
  return { valid, errors: valid ? [] : describe(v.errors) };
}

export function validateConfiguredCatalog(catalog: unknown): ValidationResult {
  const v = validators().catalog;
  const valid = v(catalog) as boolean;
  return { valid, errors: valid ? [] : describe(v.errors) };
}
