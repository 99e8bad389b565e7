import { type AdaClient } from '../ada-client.js';
import { type KnowledgeSource } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Knowledge sources, the systems articles come from; one reply holds them all. */
export function knowledgeSources(client: AdaClient) {
  return adaList<KnowledgeSource>({ name: 'knowledge_sources', path: '/api/v2/knowledge/sources/', group: 'default', key: 'id', paging: 'none' }, client);
}
