import type { Dataset } from './data.js';
import { DEFAULT_LIST_SIZES, ListData } from './lists/catalog.js';

/** What a conversation's used_articles and used_playbooks may cite. */
export interface ConversationReferences {
  articles: ReadonlyArray<{ id: string; name: string; url: string | null; source: string | null }>;
  playbooks: ReadonlyArray<{ id: string; name: string }>;
}

/**
 * Only enabled articles are cited (generation may not use a disabled one); `source` is the name of
 * the article's knowledge source, null for an article outside any source.
 */
export function referencesOf(lists: ListData): ConversationReferences {
  const sourceNames = new Map(lists.sources.map((s) => [s.id, s.name]));
  return {
    articles: lists.articles
      .filter((a) => a.enabled)
      .map((a) => ({ id: a.id, name: a.name, url: a.url, source: a.knowledge_source_id === null ? null : (sourceNames.get(a.knowledge_source_id) ?? null) })),
    playbooks: lists.playbooks.map((p) => ({ id: p.id, name: p.name })),
  };
}

/** The references of a mock started with default list sizes, for callers that build records without a server. */
export function defaultReferences(ds: Dataset, handle: string): ConversationReferences {
  return referencesOf(new ListData({ seedWords: ds.seedWords, anchorUs: ds.anchorUs, handle }, DEFAULT_LIST_SIZES, ds));
}
