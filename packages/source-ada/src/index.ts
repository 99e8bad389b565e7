export { sourceAda } from './source.js';
export { configSchema, parseConfig, connectionSpecification, apiOrigin, type AdaConfig } from './config.js';
export type { Conversation, Message } from './generated/records.js';
