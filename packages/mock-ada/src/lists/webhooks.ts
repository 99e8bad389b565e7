import { formatMillisZ } from '../time.js';
import { alnum, base62, daysBack, type ListContext, laterThan, rowRng } from './context.js';
import type { WebhookEventTypeRecord, WebhookRecord } from './types.js';
import { EVENT_TYPES, WEBHOOK_TARGETS } from './vocabulary.js';

const TAG_WEBHOOK = 0x3eb;

/**
 * Svix delivers Ada's webhooks and its endpoint ids (`ep_…`) and `Z` dates with milliseconds show
 * through, unlike the `+00:00` of Ada's own records.
 */
export function webhook(ctx: ListContext, k: number, bornUs?: number): WebhookRecord {
  const rng = rowRng(ctx, TAG_WEBHOOK, k);
  const target = WEBHOOK_TARGETS[k % WEBHOOK_TARGETS.length] ?? WEBHOOK_TARGETS[0];
  const created = bornUs ?? daysBack(rng, ctx, 60, 500);
  const updated = bornUs ?? laterThan(rng, ctx, created);
  const names = EVENT_TYPES.map(([name]) => name);
  // An empty filter means every event type.
  const filters = k % WEBHOOK_TARGETS.length === 1 ? [] : names.filter((name) => name.includes(k % 3 === 2 ? 'end_user' : 'conversation'));
  return {
    id: `ep_${alnum(rng, 21)}${base62(k, 6)}`,
    url: `https://hooks.${ctx.handle}.com/${target?.path ?? 'ada'}${k < WEBHOOK_TARGETS.length ? '' : `-${k}`}`,
    description: target?.description ?? '',
    event_filters: filters,
    enabled: k !== 2,
    created_at: formatMillisZ(created),
    updated_at: formatMillisZ(updated),
  };
}

/** Ada's event types, then (for tests that create more) made-up ones in the same naming scheme. */
export function webhookEventType(k: number): WebhookEventTypeRecord {
  const known = EVENT_TYPES[k];
  if (known !== undefined) return { name: known[0], description: known[1] };
  return { name: `v1.test_event_${k}.emitted`, description: 'An event type created by a test.' };
}
