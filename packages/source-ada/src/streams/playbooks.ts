import { type AdaClient } from '../ada-client.js';
import { type Playbook } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Playbooks: conversations name them in used_playbooks. */
export function playbooks(client: AdaClient) {
  return adaList<Playbook>({ name: 'playbooks', path: '/api/v2/playbooks/', group: 'default', key: 'id', paging: 'cursor' }, client);
}
