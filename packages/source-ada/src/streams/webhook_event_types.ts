import { type AdaClient } from '../ada-client.js';
import { type WebhookEventType } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** The event types a webhook can subscribe to; one reply holds them all. */
export function webhookEventTypes(client: AdaClient) {
  return adaList<WebhookEventType>({ name: 'webhook_event_types', path: '/api/v2/webhooks/event-types/', group: 'default', key: 'name', paging: 'none' }, client);
}
