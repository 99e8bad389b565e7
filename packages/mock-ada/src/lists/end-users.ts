import { chatterAt, chatterSlot } from '../chatters.js';
import type { Dataset } from '../data.js';
import { hash32, hex6, Rng } from '../random.js';
import { formatOffset, US_PER_DAY, US_PER_SECOND } from '../time.js';
import type { ListContext } from './context.js';
import type { EndUserRecord } from './types.js';
import { FIRST_NAMES, LAST_NAMES, PLANS, PROFILE_LANGUAGES } from './vocabulary.js';

const TAG_PROFILE = 0xe9d;
const TAG_UNREFERENCED = 0xe9e;
const TAG_CREATED = 0xe9f;

/** A profile drawn from its own stream: `tag` and `k` say which (a chatter slot, or the n-th extra). */
function endUser(ctx: ListContext, id: string, tag: number, k: number, createdUs: number, updatedUs: number): EndUserRecord {
  const rng = new Rng(hash32(ctx.seedWords[0], ctx.seedWords[1], tag, k));
  const known = rng.chance(0.6);
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const email = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[^a-z.]/g, '');
  // Only custom-channel (V1) integrations set an external id; it is case-insensitive and unique.
  const externalId = rng.chance(0.2) ? `${rng.pick(['CUST', 'cust', 'Crm'])}-${tag.toString(16)}-${k}` : null;
  return {
    end_user_id: id,
    external_id: externalId,
    profile: {
      first_name: known ? first : null,
      last_name: known ? last : null,
      display_name: known ? `${first} ${last.slice(0, 1)}.` : null,
      avatar: known && rng.chance(0.3) ? `https://cdn.${ctx.handle}.com/avatars/${rng.hex(16)}.png` : null,
      email: known && rng.chance(0.8) ? `${email}${rng.int(1, 99)}@example.com` : null,
      language: rng.chance(0.9) ? rng.pick(PROFILE_LANGUAGES) : null,
      metadata: known ? { plan: rng.pick(PLANS), newsletter: rng.chance(0.4), orders: rng.int(0, 40) } : {},
      system_properties: { sunshine_user_id: rng.chance(0.1) ? rng.hex(24) : null },
    },
    created_at: formatOffset(createdUs),
    updated_at: formatOffset(updatedUs),
  };
}

/**
 * One profile per chatter that has an end_user_id, dated by the chatter's first and last
 * conversation, plus a few that no conversation references. Those are young: Ada deletes an end
 * user created by the API that is not tied to a conversation within 24 hours (ada-api.md §9.6).
 */
export function endUsersOf(ds: Dataset, ctx: ListContext): EndUserRecord[] {
  const seen = new Map<number, { first: number; last: number }>();
  for (let c = 0; c < ds.conversationCount; c++) {
    const slot = chatterSlot(ds.seedWords, c);
    const created = ds.timestamp('conversations-created', c);
    const span = seen.get(slot);
    if (span === undefined) seen.set(slot, { first: created, last: created });
    else {
      span.first = Math.min(span.first, created);
      span.last = Math.max(span.last, created);
    }
  }
  const out: EndUserRecord[] = [];
  for (const [slot, span] of seen) {
    const { endUserId } = chatterAt(ds.seedWords, slot);
    if (endUserId === null) continue;
    const lead = (hash32(slot, TAG_PROFILE) % 120) * US_PER_SECOND;
    out.push(endUser(ctx, endUserId, TAG_PROFILE, slot, span.first - lead, span.last));
  }
  const unreferenced = Math.max(3, Math.round(ds.generatedConversations * 0.01));
  for (let k = 0; k < unreferenced; k++) {
    const rng = new Rng(hash32(ctx.seedWords[0], ctx.seedWords[1], TAG_UNREFERENCED, k));
    const created = ctx.anchorUs - 1 - Math.floor(rng.float() * US_PER_DAY * 0.9);
    out.push(endUser(ctx, `${rng.hex(18)}${hex6(k)}`, TAG_UNREFERENCED, k, created, created));
  }
  return out;
}

/** The k-th end user a test creates through mutateLists. */
export function createdEndUser(ctx: ListContext, k: number, atUs: number): EndUserRecord {
  const rng = new Rng(hash32(ctx.seedWords[0], ctx.seedWords[1], TAG_CREATED, k));
  return endUser(ctx, `${rng.hex(18)}${hex6(k)}`, TAG_CREATED, k, atUs, atUs);
}
