import { Ajv, type FormatDefinition, type ValidateFunction } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';

type StringCheck = (value: string) => boolean;

/** ajv-formats' check of a format it defines with a function, as it does date, iso-date-time and iso-time. */
function ajvFormat(name: 'date' | 'iso-date-time' | 'iso-time'): StringCheck {
  const { validate } = fullFormats[name] as FormatDefinition<string>;
  if (typeof validate !== 'function') throw new Error(`ajv-formats defines "${name}" without a function`);
  return validate;
}

/** Airbyte writes dates and timestamps of the BC era with a ` BC` suffix (its "Data Types in Records"). */
function eraAllowed(check: StringCheck): StringCheck {
  return (value) => check(value.endsWith(' BC') ? value.slice(0, -3) : value);
}

/**
 * Formats as Airbyte's type system defines them. ajv-formats' own `date-time` and `time` require a
 * zone, which Airbyte's timestamp_without_timezone and time_without_timezone do not have, so its
 * zone-optional `iso-` forms stand in for them; values must still name real days and times. Other
 * formats are not checked: Airbyte gives them no meaning.
 */
const AIRBYTE_FORMATS = {
  date: eraAllowed(ajvFormat('date')),
  'date-time': eraAllowed(ajvFormat('iso-date-time')),
  time: ajvFormat('iso-time'),
};

/** Compiles a schema a connector sent. Throws when it is not a usable JSON schema. */
export function compileSchema(schema: unknown): ValidateFunction {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error('it is not a JSON object');
  // Sources name drafts Ajv does not bundle; the keywords they use are common to all of them.
  const { $schema: _draft, $id: _id, ...rest } = schema as Record<string, unknown>;
  // Airbyte schemas carry their own keywords (airbyte_secret, airbyte_type, order, …): not strict.
  return new Ajv({ strict: false, allErrors: false, logger: false, formats: AIRBYTE_FORMATS }).compile(rest);
}
