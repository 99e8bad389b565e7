export { startMockAda, type MockAda, type MockAdaStats } from './server.js';
export type { MockAdaOptions, SchemaViolation } from './options.js';
export {
  ADA_GROUP_RATE_LIMITS, ADA_RATE_LIMITS, type GroupRateLimitOptions, type GroupRateLimits, type OtherClient, type OtherClientStats, type RateLimits,
} from './rate-limit.js';
export { EXPORT_STREAMS, LIST_STREAMS, STREAMS, type ExportStream, type ListStream, type RateLimitGroup, type Stream } from './streams.js';
export type { ListMutation, ListMutationResult } from './list-mutations.js';
export type { FaultOptions } from './faults.js';
export type { ConversationRecord, MessageRecord, Csat, MessageData } from './record-types.js';
export type {
  AuditLogEventRecord, AvailabilityCondition, AvailabilityRules, ChannelRecord, CustomInstructionRecord, EndUserRecord,
  KnowledgeArticleRecord, KnowledgeSourceRecord, KnowledgeTagRecord, PlatformIntegrationRecord, PlaybookRecord,
  VariableRecord, WebhookEventTypeRecord, WebhookRecord,
} from './lists/types.js';
