import { type AdaClient } from '../ada-client.js';
import { type KnowledgeTag } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Knowledge tags, named by articles' tag_ids; one reply holds them all. */
export function knowledgeTags(client: AdaClient) {
  return adaList<KnowledgeTag>({ name: 'knowledge_tags', path: '/api/v2/knowledge/tags/', group: 'default', key: 'id', paging: 'none' }, client);
}
