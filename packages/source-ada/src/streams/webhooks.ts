import { type AdaClient } from '../ada-client.js';
import { type Webhook } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Webhook endpoints; their signing secrets (a separate call) are never read. */
export function webhooks(client: AdaClient) {
  return adaList<Webhook>({ name: 'webhooks', path: '/api/v2/webhooks/', group: 'default', key: 'id', paging: 'cursor' }, client);
}
