export type * from '../generated/protocol.js';
export { validateMessage, validateConfiguredCatalog, type ValidationResult } from './validate.js';
