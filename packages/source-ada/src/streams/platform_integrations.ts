import { type AdaClient } from '../ada-client.js';
import { type PlatformIntegration } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Integrations the account has built (not the apps installed into the AI Agent). */
export function platformIntegrations(client: AdaClient) {
  return adaList<PlatformIntegration>({ name: 'platform_integrations', path: '/api/v2/platform-integrations/', group: 'default', key: 'id', paging: 'cursor' }, client);
}
