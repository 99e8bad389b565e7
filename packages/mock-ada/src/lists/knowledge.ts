import { hex6 } from '../random.js';
import { formatOffset } from '../time.js';
import { alnum, base62, daysBack, type ListContext, laterThan, nthName, rowRng, sample } from './context.js';
import type { AvailabilityRules, KnowledgeArticleRecord, KnowledgeSourceRecord, KnowledgeTagRecord, VariableRecord } from './types.js';
import {
  ARTICLE_LANGUAGES, ARTICLE_PARAGRAPHS, ARTICLE_TITLES, type ArticleIdStyle, KNOWLEDGE_SOURCES, KNOWLEDGE_TAGS,
} from './vocabulary.js';
import type { Rng } from '../random.js';

const TAG_SOURCE = 0x50c;
const TAG_TAG = 0x7a9;
const TAG_ARTICLE = 0xa27;

const WEBSITE_CRAWL = 2;

/** Source ids are chosen by whoever creates the source: slugs here, numbered once the names run out. */
export function knowledgeSource(ctx: ListContext, k: number, bornUs?: number): KnowledgeSourceRecord {
  const rng = rowRng(ctx, TAG_SOURCE, k);
  const kind = KNOWLEDGE_SOURCES[k % KNOWLEDGE_SOURCES.length] ?? KNOWLEDGE_SOURCES[0];
  const round = Math.floor(k / KNOWLEDGE_SOURCES.length);
  const created = bornUs ?? daysBack(rng, ctx, 400, 700);
  const updated = bornUs ?? laterThan(rng, ctx, created);
  const lastSync = bornUs ?? Math.max(updated, daysBack(rng, ctx, 0, 1));
  return {
    id: round === 0 ? (kind?.slug ?? 'source') : `${kind?.slug ?? 'source'}-${round + 1}`,
    name: nthName(KNOWLEDGE_SOURCES.map((s) => s.name), k),
    external_id: kind?.system === 'web_scraper' || kind?.system === 'ada' ? null : `${kind?.system ?? 'ext'}-${rng.int(10_000, 99_999)}`,
    metadata: rng.chance(0.5) ? { brand: 'Acme', owner: 'support-content' } : null,
    created: formatOffset(created),
    updated: formatOffset(updated),
    last_sync: formatOffset(lastSync),
    // A deletion that failed half-way leaves the source listed with its articles: awkward, and real.
    status: k === WEBSITE_CRAWL && bornUs === undefined ? 'delete_failed' : null,
  };
}

export function knowledgeTag(ctx: ListContext, k: number): KnowledgeTagRecord {
  const rng = rowRng(ctx, TAG_TAG, k);
  return { id: `${rng.hex(8)}${hex6(k)}`, name: nthName(KNOWLEDGE_TAGS, k) };
}

export interface ArticleReferences {
  sources: readonly KnowledgeSourceRecord[];
  tags: readonly KnowledgeTagRecord[];
  variables: readonly VariableRecord[];
}

/** The id shape of the system the article came from; k keeps ids unique without a lookup. */
function articleId(rng: Rng, style: ArticleIdStyle, k: number): string {
  switch (style) {
    case 'numeric':
      return String(360_000_000_000 + k * 7_919 + rng.int(0, 7_918));
    case 'salesforce':
      return `kA0${alnum(rng, 9)}${base62(k, 6)}`;
    case 'web':
      return `web-${rng.hex(8)}${hex6(k)}`;
    case 'object-id':
      return `${rng.hex(18)}${hex6(k)}`;
    case 'uuid':
      return rng.uuid();
  }
}

function availabilityRules(rng: Rng, variables: readonly VariableRecord[]): AvailabilityRules | null {
  if (variables.length === 0 || !rng.chance(0.15)) return null;
  const variable = (): { id: string } => ({ id: rng.pick(variables).id });
  const rules: AvailabilityRules = {
    match: 'all',
    conditions: [{ variable: variable(), operator: 'equals', value: rng.pick(['pro', 'business', 'enterprise']), case_sensitive: false }],
  };
  if (rng.chance(0.5)) {
    rules.conditions.push({ match: 'any', conditions: [{ variable: variable(), operator: 'is_set' }, { variable: variable(), operator: 'greater_than', value: 100 }] });
  }
  return rules;
}

/** About one article in ten was added by hand, outside any source; it gets a UUID for an id. */
export function knowledgeArticle(ctx: ListContext, refs: ArticleReferences, k: number, bornUs?: number): KnowledgeArticleRecord {
  const rng = rowRng(ctx, TAG_ARTICLE, k);
  const sourceIndex = refs.sources.length === 0 || k % 10 === 9 ? -1 : k % refs.sources.length;
  const source = refs.sources[sourceIndex];
  const style = source === undefined ? 'uuid' : (KNOWLEDGE_SOURCES[sourceIndex % KNOWLEDGE_SOURCES.length]?.articleIds ?? 'uuid');
  const id = articleId(rng, style, k);
  const name = nthName(ARTICLE_TITLES, k);
  const created = bornUs ?? daysBack(rng, ctx, 30, 720);
  const updated = bornUs ?? laterThan(rng, ctx, created);
  const external = style !== 'uuid' && style !== 'object-id';
  return {
    id,
    name,
    content: `# ${name}\n\n${rng.pick(ARTICLE_PARAGRAPHS)}\n\n${rng.pick(ARTICLE_PARAGRAPHS)}`,
    url: rng.chance(0.8) ? `https://help.${ctx.handle}.com/articles/${id}` : null,
    knowledge_source_id: source?.id ?? null,
    language: rng.pick(ARTICLE_LANGUAGES),
    tag_ids: sample(rng, refs.tags, rng.int(0, 3)).map((t) => t.id),
    created: formatOffset(created),
    updated: formatOffset(updated),
    external_created: external ? formatOffset(created - rng.int(1, 90) * 86_400_000_000) : null,
    external_updated: external ? formatOffset(updated - rng.int(0, 3_600) * 1_000_000) : null,
    enabled: rng.chance(0.9),
    metadata: rng.chance(0.3) ? { author: rng.pick(['content-team', 'jane.doe', 'import-bot']), reviewed: rng.chance(0.5) } : null,
    availability_rules: availabilityRules(rng, refs.variables),
  };
}
