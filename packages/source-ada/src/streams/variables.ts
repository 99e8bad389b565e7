import { type AdaClient } from '../ada-client.js';
import { type Variable } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Variables (reserved and internal ones are left out by Ada); one reply holds them all. */
export function variables(client: AdaClient) {
  return adaList<Variable>({ name: 'variables', path: '/api/v2/variables/', group: 'default', key: 'id', paging: 'none' }, client);
}
