import { hex6 } from '../random.js';
import { formatOffset } from '../time.js';
import { daysBack, type ListContext, rowRng } from './context.js';
import type { ChannelRecord } from './types.js';
import { CHANNELS } from './vocabulary.js';

const TAG_CHANNEL = 0xc4a;

export const CHANNEL_TYPES = ['custom', 'native'] as const;
export const MODALITIES = ['messaging', 'email', 'voice'] as const;

/**
 * The two record shapes Ada's spec gives as a oneOf on `type`: only custom channels carry
 * `metadata` and `created_at`. Channels created by tests are custom, as only those can be made.
 */
export function channel(ctx: ListContext, k: number, bornUs?: number): ChannelRecord {
  const rng = rowRng(ctx, TAG_CHANNEL, k);
  const base = bornUs === undefined ? CHANNELS[k % CHANNELS.length] : undefined;
  const kind = base ?? { type: 'custom' as const, name: `Test channel ${k}`, description: 'A channel created by a test.', modality: 'messaging' as const, markdown: false };
  const record: ChannelRecord = {
    type: kind.type,
    id: `${rng.hex(18)}${hex6(k)}`,
    name: kind.name,
    description: kind.description,
    modality: kind.modality,
    capabilities: { markdown: kind.markdown },
  };
  if (kind.type === 'custom') {
    record.metadata = { owner: 'platform-team', region: rng.pick(['us', 'eu']) };
    record.created_at = formatOffset(bornUs ?? daysBack(rng, ctx, 30, 400));
  }
  return record;
}
