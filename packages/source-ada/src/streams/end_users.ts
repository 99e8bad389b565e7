import { type AdaClient } from '../ada-client.js';
import { type EndUser } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** End users, joined to conversations by end_user_id. The list has no change filter (updated_at cannot be asked for), so each read takes it whole. */
export function endUsers(client: AdaClient) {
  return adaList<EndUser>({ name: 'end_users', path: '/api/v2/end-users/', group: 'end_users', key: 'end_user_id', paging: 'cursor' }, client);
}
