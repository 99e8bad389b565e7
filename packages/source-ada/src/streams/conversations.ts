import { type AdaClient } from '../ada-client.js';
import { type AdaConfig } from '../config.js';
import { type Conversation } from '../generated/records.js';
import { type ReadRanges } from '../read-range.js';
import { exportStream } from './export-stream.js';

/** Conversations by date_updated, so later changes (CSAT, classifications, agents) are picked up. */
export function conversations(config: AdaConfig, client: AdaClient, ranges: () => Promise<ReadRanges>) {
  return exportStream<Conversation>({ name: 'conversations', filter: 'updated', cursorField: 'date_updated' }, config, client, ranges);
}
