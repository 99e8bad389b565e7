import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';

// Loaded on first use: ajv and the schema cost a few hundred ms, and a connector's own commands
// never need them (tests and destination programs do).
const require = createRequire(import.meta.url);

// The vendored protocol schema; src/protocol and dist/protocol both sit two levels below the package root.
const schemaUrl = new URL('../../resources/airbyte_protocol.yaml', import.meta.url);

export interface ValidationResult {
  valid: boolean;
  errors: string[];
}

let compiled: { message: ValidateFunction; catalog: ValidateFunction } | undefined;

function validators(): { message: ValidateFunction; catalog: ValidateFunction } {
  if (!compiled) {
    const { Ajv } = require('ajv') as { Ajv: new (opts: object) => AjvClass };
    const formats = require('ajv-formats') as { default?: (ajv: AjvClass) => AjvClass } & ((ajv: AjvClass) => AjvClass);
    const { parse } = require('yaml') as { parse: (text: string) => unknown };
    const ajv = new Ajv({ strict: false, allErrors: true });
    (formats.default ?? formats)(ajv);
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
