import { hash32, Rng } from './random.js';

const TAG_CHATTER = 0xc4a7;
const TAG_CHATTER_SLOT = 0xc5a7;

/** Share of chatters with an End User profile; the rest have a null `end_user_id` (ada-api.md §3.1). */
const END_USER_SHARE = 0.85;

/**
 * Which chatter a conversation belongs to, as a "slot": its own index for a new chatter, an
 * earlier conversation's index for a returning one (about one in five). Drawn on its own stream so
 * that the end-users list can enumerate chatters without generating whole conversations.
 */
export function chatterSlot(seedWords: readonly [number, number], conversation: number): number {
  const rng = new Rng(hash32(seedWords[0], seedWords[1], TAG_CHATTER_SLOT, conversation));
  return rng.chance(0.2) ? Math.floor(rng.float() * Math.max(1, conversation)) : conversation;
}

export interface Chatter {
  chatterId: string;
  /** The chatter's End User profile, or null when there is none. */
  endUserId: string | null;
}

/** One chatter per slot, so a returning chatter keeps both ids across conversations. */
export function chatterAt(seedWords: readonly [number, number], slot: number): Chatter {
  const rng = new Rng(hash32(seedWords[0], seedWords[1], TAG_CHATTER, slot));
  const chatterId = rng.hex(24);
  return { chatterId, endUserId: rng.chance(END_USER_SHARE) ? rng.hex(24) : null };
}
