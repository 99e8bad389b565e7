import { type AdaClient } from '../ada-client.js';
import { type KnowledgeArticle } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Knowledge articles: conversations cite them in used_articles. Ada has no change filter, so each read takes the whole list. */
export function knowledgeArticles(client: AdaClient) {
  return adaList<KnowledgeArticle>({ name: 'knowledge_articles', path: '/api/v2/knowledge/articles/', group: 'knowledge_articles', key: 'id', paging: 'cursor' }, client);
}
