import { invalid, type Failure } from '../outcome.js';
import type { KnowledgeArticleRecord } from './types.js';

const FILTERS = ['id', 'enabled', 'language', 'knowledge_source_id', 'tag_ids'] as const;
type FilterName = (typeof FILTERS)[number];

/** A language code as Ada lists them: ISO 639-1, optionally with a region (`zh-tw`). */
const LANGUAGE = /^[a-z]{2}(-[a-z]{2})?$/;

export type ArticleFilter = (article: KnowledgeArticleRecord) => boolean;

/**
 * Ada documents the five filters as arrays without saying how they are encoded (ada-api.md
 * §9.10 item 6), so a repeated key and a comma list are both read, even mixed. Values of one
 * filter are alternatives; filters combine with AND; `tag_ids` matches an article with any of them.
 */
export function parseArticleFilters(search: URLSearchParams): ArticleFilter | Failure {
  const tests: ArticleFilter[] = [];
  for (const name of FILTERS) {
    if (!search.has(name)) continue;
    const values = search.getAll(name).flatMap((v) => v.split(','));
    const bad = values.find((v) => !validValue(name, v));
    if (bad !== undefined) return invalid(name, `${name} has an invalid value ${JSON.stringify(bad)}${hint(name)}`);
    const wanted = new Set(values);
    tests.push(matcher(name, wanted));
  }
  return (article) => tests.every((test) => test(article));
}

function validValue(name: FilterName, value: string): boolean {
  if (value === '') return false;
  if (name === 'enabled') return value === 'true' || value === 'false';
  if (name === 'language') return LANGUAGE.test(value);
  return true;
}

function hint(name: FilterName): string {
  if (name === 'enabled') return '; expected true or false';
  if (name === 'language') return '; expected a language code such as en or zh-tw';
  return '; values must not be empty';
}

function matcher(name: FilterName, wanted: ReadonlySet<string>): ArticleFilter {
  switch (name) {
    case 'id':
      return (a) => wanted.has(a.id);
    case 'enabled':
      return (a) => wanted.has(String(a.enabled));
    case 'language':
      return (a) => wanted.has(a.language);
    case 'knowledge_source_id':
      return (a) => a.knowledge_source_id !== null && wanted.has(a.knowledge_source_id);
    case 'tag_ids':
      return (a) => a.tag_ids.some((t) => wanted.has(t));
  }
}
