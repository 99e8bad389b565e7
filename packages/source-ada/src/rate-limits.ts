import { Pacer, type PacingLimits } from '@ada-airbyte/core';
import { type AdaConfig } from './config.js';

/**
 * Ada's budgets, one per group of endpoints, each per Ada instance (ada-api.md §10.4). Requests of
 * one group never spend another's budget, so each group gets a Pacer of its own.
 */
export type ApiGroup = 'export' | 'default' | 'end_users' | 'knowledge_articles' | 'audit_log';

/**
 * The export group follows the config (requests_per_*), per endpoint per second as Ada counts it;
 * the others use Ada's published numbers. Knowledge articles may allow 200/s and 1,000/min, which
 * Ada has not re-confirmed: they are paced to the default numbers until Ada's headers say otherwise.
 */
export function groupLimits(config: AdaConfig): Record<ApiGroup, PacingLimits> {
  return {
    export: { perSecond: config.requests_per_second, perMinute: config.requests_per_minute, perDay: config.requests_per_day },
    default: { perSecond: 10, perSecondScope: 'all', perMinute: 100, perDay: 10_000 },
    end_users: { perSecond: 30, perSecondScope: 'all', perMinute: 300, perDay: Infinity },
    knowledge_articles: { perSecond: 10, perSecondScope: 'all', perMinute: 100, perDay: Infinity },
    audit_log: { perSecond: 10, perSecondScope: 'all', perMinute: 120, perDay: 40_000 },
  };
}

export function groupPacers(config: AdaConfig): Record<ApiGroup, Pacer> {
  const limits = groupLimits(config);
  return {
    export: new Pacer(limits.export),
    default: new Pacer(limits.default),
    end_users: new Pacer(limits.end_users),
    knowledge_articles: new Pacer(limits.knowledge_articles),
    audit_log: new Pacer(limits.audit_log),
  };
}
