export { startMockAda, type MockAda, type MockAdaStats, type Stream } from './server.js';
export type { MockAdaOptions } from './options.js';
export { ADA_RATE_LIMITS, type RateLimits } from './rate-limit.js';
export type { FaultOptions } from './faults.js';
export type { ConversationRecord, MessageRecord, Csat, MessageData } from './record-types.js';
