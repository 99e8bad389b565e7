import { type AdaClient } from '../ada-client.js';
import { type AdaConfig } from '../config.js';
import { type Message } from '../generated/records.js';
import { type ReadRanges } from '../read-range.js';
import { exportStream } from './export-stream.js';

/** Messages by date_created: Ada offers no updated_* filter on messages. */
export function messages(config: AdaConfig, client: AdaClient, ranges: () => Promise<ReadRanges>) {
  return exportStream<Message>(
    { name: 'messages', filter: 'created', cursorField: 'date_created', noneFields: ['answer_id', 'in_response_to'] },
    config,
    client,
    ranges,
  );
}
