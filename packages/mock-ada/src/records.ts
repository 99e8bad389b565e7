import { chatterAt, chatterSlot } from './chatters.js';
import type { Dataset } from './data.js';
import { asciiJson } from './json.js';
import { type ConversationReferences, defaultReferences } from './references.js';
import type { ConversationRecord, MessageRecord } from './record-types.js';
import { hash32, Rng } from './random.js';
import { formatNaive, formatOffset, US_PER_SECOND } from './time.js';
import {
  AGENT_NAMES, ARTICLES, BOT_LINES, BROWSERS, CHATTER_LINES, COACHING, CSAT_COMMENTS, CSAT_STYLES, CUSTOMER_TIERS,
  DEVICES, GREETINGS, HANDOFF_OUTCOMES, HANDOFF_REASONS, LANGUAGES, OAUTH_CHANNELS, PLATFORMS, PLAYBOOK_OUTCOMES,
  RESOLUTION_REASONS, TOOL_NAMES, TOPICS,
} from './vocabulary.js';

const TAG_CATALOG = 0xca7;
const TAG_CONVERSATION_FACTS = 0xcf;
const TAG_CONVERSATION_STATE = 0xc5;
const TAG_CONVERSATION_DETAIL = 0xc6;
const TAG_MESSAGE = 0x3a;
const TAG_EXTERNAL_CHAT = 0xec;

/*
 * Records are written straight to JSON text from pre-quoted fragments instead of building objects
 * and calling JSON.stringify: a 10,000-record page is the unit the benchmark measures, and object
 * allocation plus stringify cost several times more. Sections that depend only on a few
 * enumerations are memoised. Every dynamic string that is not pre-quoted is a hex id, a UUID, a
 * timestamp or a number, none of which needs escaping.
 */

export { asciiJson };

const q = (s: string): string => asciiJson(s);
const qs = (list: readonly string[]): string[] => list.map(q);
const str = (s: string | null): string => (s === null ? 'null' : `"${s}"`);

const PLATFORMS_Q = qs(PLATFORMS);
const DEVICES_Q = qs(DEVICES);
const LANGUAGES_Q = qs(LANGUAGES);
const OAUTH_Q = qs(OAUTH_CHANNELS);
const TIERS_Q = qs(CUSTOMER_TIERS);
const CSAT_COMMENTS_Q = qs(CSAT_COMMENTS);
const CSAT_STYLES_Q = qs(CSAT_STYLES);
const OUTCOMES_Q = qs(PLAYBOOK_OUTCOMES);
const CHATTER_Q = qs(CHATTER_LINES);
const BOT_Q = qs(BOT_LINES);
const GREETINGS_Q = qs(GREETINGS);
const ARTICLE_NAMES_Q = qs(ARTICLES);
const RESOLVED_Q = qs(RESOLUTION_REASONS.Resolved);
const NOT_RESOLVED_Q = qs(RESOLUTION_REASONS['Not Resolved']);
const BROWSERS_Q = BROWSERS.map(([name, versions]) => ({ name: q(name), versions: qs(versions) }));
const HANDOFF_OUTCOMES_Q = qs(HANDOFF_OUTCOMES);
const URL_PATHS = ['help', 'orders', 'account', 'pricing'] as const;
/** Ada records handoff reason codes from this day on (ada-api.md §10.1); earlier handoffs carry nulls. */
const REASON_CODES_FROM_US = Date.parse('2026-10-07T00:00:00Z') * 1000;

interface Named {
  id: string;
  /** Pre-quoted. */
  name: string;
}

interface Catalog {
  agents: Named[];
  /** `v2` is the ready `"generated_topic_v2_*"` section of the Topics V2 entry paired with the topic. */
  topics: Array<{ id: string; name: string; summary: string; intents: Named[]; v2: string }>;
  /** Each a JSON object; the enabled articles the knowledge list serves. */
  articles: string[];
  /** The playbooks the playbooks list serves. */
  playbooks: Named[];
  /** Each a one-element `used_coaching` array. */
  coaching: string[];
  answers: Named[];
  /** Pre-quoted AI Agent versions other than "baseline". */
  changesets: string[];
  initialUrls: string[];
  linkUrlPrefix: string;
}

/**
 * What every record of a conversation agrees on, drawn from the conversation's fixed stream.
 * Enumerations are kept as indices so that JSON sections built from them can be memoised.
 */
interface Facts {
  chatterId: string;
  platform: number;
  browser: number;
  browserVersion: number;
  device: number;
  language: number;
  isTestUser: boolean;
  isEngaged: boolean;
  /** -1 for null. */
  oauthChannel: number;
  /** JSON: quoted id or null. */
  endUserId: string;
  generative: boolean;
  topic: number;
  customerTier: string;
  orderNumber: string | null;
}

interface AgentSections {
  /** `"agent_id":[…],"agent_name":[…]` */
  agentsJson: string;
  /** `"last_agent_id":…,"last_agent_name":…` */
  lastAgentJson: string;
  firstAgentId: string | null;
}

/** The part of a conversation that mutate() may change; drawn from (index, version). */
interface State extends AgentSections {
  escalated: boolean;
  csat: string;
  csatStyle: string | null;
}

const NO_AGENTS: AgentSections = {
  agentsJson: '"agent_id":[],"agent_name":[]',
  lastAgentJson: '"last_agent_id":null,"last_agent_name":null',
  firstAgentId: null,
};

export interface RecordOptions {
  handle: string;
  undocumentedFields: boolean;
  /** What used_articles and used_playbooks may cite; default: the lists a default mock serves. */
  references?: ConversationReferences;
}

const SMS = PLATFORMS.indexOf('sms');
const CHAT = PLATFORMS.indexOf('chat');
const MAX_VERSIONS = Math.max(...BROWSERS.map(([, v]) => v.length));

/** A memo for JSON sections keyed by a small integer built from the enumerations they depend on. */
class Sections<T = string> {
  private readonly cache = new Map<number, T>();

  get(key: number, build: () => T): T {
    let value = this.cache.get(key);
    if (value === undefined) {
      value = build();
      this.cache.set(key, value);
    }
    return value;
  }
}

/** Builds API records (as JSON text) from a Dataset's stored timestamps plus seeded randomness. */
export class RecordFactory {
  private readonly catalog: Catalog;
  private readonly factsCache = new Map<number, { facts: Facts; original: State }>();
  private readonly metavariables = new Sections();
  private readonly device = new Sections();
  private readonly topicSections = new Sections();
  private readonly classifications = new Sections();
  private readonly articles = new Sections();
  private readonly teams = new Sections<AgentSections>();
  private readonly handoffs = new Sections();

  constructor(
    private readonly ds: Dataset,
    private readonly options: RecordOptions,
  ) {
    const references = options.references ?? defaultReferences(ds, options.handle);
    this.catalog = buildCatalog(new Rng(hash32(ds.seedWords[0], ds.seedWords[1], TAG_CATALOG)), options.handle, references);
  }

  conversation(index: number): ConversationRecord {
    return JSON.parse(this.conversationJson(index)) as ConversationRecord;
  }

  message(index: number): MessageRecord {
    return JSON.parse(this.messageJson(index)) as MessageRecord;
  }

  conversationJson(index: number): string {
    const ds = this.ds;
    const c = this.catalog;
    // Each conversation appears once per page, so the facts cache (built for messages) would only churn.
    const cachedEntry = this.factsCache.get(index);
    const f = cachedEntry?.facts ?? this.drawFacts(index);
    const version = ds.version(index);
    const s = version === 0 && cachedEntry !== undefined ? cachedEntry.original : this.state(index, version);
    const rng = new Rng(hash32(ds.seedWords[0], ds.seedWords[1], TAG_CONVERSATION_DETAIL, index, version));
    const created = ds.timestamp('conversations-created', index);
    const updated = ds.timestamp('conversations-updated', index);
    const topic = c.topics[f.topic] ?? c.topics[0];
    if (topic === undefined) throw new Error('empty topic catalog');
    const sampled = rng.chance(0.4);
    const resolved = rng.chance(0.65);
    const reason = rng.int(0, RESOLVED_Q.length - 1);
    const hasTopic = rng.chance(0.85);
    const intent = rng.chance(0.8) ? (topic.intents.length === 0 ? 0 : 1 + rng.int(0, topic.intents.length - 1)) : -1;
    const suggested = rng.chance(0.15);
    const url = rng.int(0, c.initialUrls.length - 1);
    const variables = rng.chance(0.2)
      ? '{}'
      : `{"customer_tier":${f.customerTier}${f.orderNumber === null ? '' : `,"order_number":"${f.orderNumber}"`},"returning_customer":${rng.chance(0.4)}}`;
    const coaching = rng.chance(0.25) ? rng.pick(c.coaching) : '[]';
    const articles = f.generative && rng.chance(0.6) ? this.articlesJson(rng.int(0, c.articles.length - 1), rng.int(1, 3)) : '[]';
    let playbooks = '[]';
    if (f.generative && rng.chance(0.3) && c.playbooks.length > 0) {
      const p = rng.pick(c.playbooks);
      playbooks = `[{"id":"${p.id}","name":${p.name},"playbook_execution_id":${rng.chance(0.9) ? `"${rng.uuid()}"` : 'null'},"outcome_status":${rng.chance(0.9) ? rng.pick(OUTCOMES_Q) : 'null'}}]`;
    }
    const handleTime = s.escalated ? Math.round(rng.float() * 1_800_000) / 1000 : 0;
    const botTime = Math.round((Math.min(updated - created, 2400 * US_PER_SECOND) * rng.float()) / 1000) / 1000;
    const loaded = rng.chance(0.03) ? 'null' : `"${formatOffset(this.loadedAt(updated, index >= ds.generatedConversations || version > 0, rng))}"`;
    const extra = rng.chance(0.02) && this.options.undocumentedFields ? `,"ai_agent_version":"v${1 + (index % 40)}"` : '';
    // Drawn last so that every field above keeps the values it had before these two existed.
    const changeset = rng.chance(0.85) ? '"baseline"' : rng.pick(c.changesets);
    const handoffs = s.escalated ? this.handoffJson(rng.int(0, HANDOFF_OUTCOMES.length - 1), rng.int(0, HANDOFF_REASONS.length - 1), created >= REASON_CODES_FROM_US) : '[]';
    return `{"_id":"${ds.conversationId(index)}","chatter_id":"${f.chatterId}","date_created":"${formatNaive(created)}","date_updated":"${formatNaive(updated)}",`
      + `"is_engaged":${f.isEngaged},"is_escalated":${s.escalated},"platform":${PLATFORMS_Q[f.platform]},${this.metavariablesJson(f, url)},`
      + `"variables":${variables},"csat":${s.csat},${s.agentsJson},${this.deviceJson(f)},`
      + `${this.topicJson(f, sampled, resolved, reason, hasTopic)},`
      + `"end_user_id":${f.endUserId},"agent_handle_time":${handleTime},"bot_handle_time":${botTime},"record_last_updated":${loaded},`
      + `${topic.v2},"used_coaching":${coaching},"classifications":${this.classificationsJson(f.topic, intent, suggested)},`
      + `"used_articles":${articles},"used_playbooks":${playbooks},${s.lastAgentJson},"changeset_id":${changeset},"handoffs":${handoffs}${extra}}`;
  }

  messageJson(index: number): string {
    const ds = this.ds;
    const conversation = ds.msgConversation[index] ?? 0;
    const start = ds.convMessageStart[conversation] ?? 0;
    const count = ds.convMessageCount[conversation] ?? 0;
    const position = index - start;
    const { facts: f, original } = this.cached(conversation);
    // Messages are not rewritten by mutate(); they follow the conversation as first generated.
    const rng = new Rng(hash32(ds.seedWords[0], ds.seedWords[1], TAG_MESSAGE, index));
    const fromChatter = position % 2 === 1;
    const handedOff = original.escalated && position >= Math.max(2, count - 2);
    const bot = !fromChatter && !handedOff;
    let type: string;
    let data: string;
    if (position === 0) {
      type = 'greeting';
      const chatId = new Rng(hash32(ds.seedWords[0], ds.seedWords[1], TAG_EXTERNAL_CHAT, conversation)).uuid();
      data = `{"_type":"greeting","body":${rng.pick(GREETINGS_Q)},"external_chat_id":"${chatId}","reviewable_message":false}`;
    } else if (fromChatter) {
      type = 'text';
      data = `{"_type":"text","body":${rng.pick(CHATTER_Q)}}`;
    } else if (position === count - 1 && original.csatStyle !== null) {
      type = 'csat_shown';
      data = `{"_type":"csat_shown","body":"How would you rate this conversation?","survey_style":${original.csatStyle},"reviewable_message":false${f.platform === SMS ? ',"sms_text":"How did we do? Reply 1-5."' : ''}}`;
    } else if (f.platform === SMS && position === 2) {
      type = 'sms_consent_asked';
      data = '{"_type":"sms_consent_asked","body":"Can we text you updates about this request? Reply YES or NO."}';
    } else if (bot && rng.chance(0.15)) {
      const [tool, kind] = rng.pick(TOOL_NAMES);
      type = 'tool_call';
      data = `{"_type":"tool_call","body":null,"tool_name":"${tool}","tool_type":"${kind}"}`;
    } else if (bot && rng.chance(0.15)) {
      type = 'link';
      data = `{"_type":"link","body":"This article should help:","url":"${this.catalog.linkUrlPrefix}${rng.int(1000, 9999)}","link_text":${rng.pick(ARTICLE_NAMES_Q)}}`;
    } else {
      type = 'text';
      data = `{"_type":"text","body":${rng.pick(BOT_Q)},"reviewable_message":${bot}}`;
    }
    const answer = bot && !f.generative ? rng.pick(this.catalog.answers) : null;
    const answerTitle = answer === null ? 'null' : position === 0 ? '"Greeting"' : answer.name;
    const answerId = !bot ? 'null' : f.generative ? '"None"' : `"${answer?.id ?? ''}"`;
    const review = bot && position > 0 ? (rng.chance(0.05) ? 1 : rng.chance(0.03) ? -1 : 0) : 0;
    const agentId = original.firstAgentId ?? 'ada';
    const sender = fromChatter ? f.chatterId : handedOff ? agentId : 'ada';
    const recipient = fromChatter ? (original.escalated && position > count - 3 ? agentId : 'ada') : f.chatterId;
    const chatter = rng.chance(0.03) ? 'null' : `"${f.chatterId}"`;
    const clicked = type === 'link' ? String(rng.chance(0.4)) : 'null';
    const created = ds.timestamp('messages-created', index);
    const loaded = formatOffset(this.loadedAt(created, index >= ds.generatedMessages, rng));
    const inResponseTo = !fromChatter && position > 0 ? ds.messageId(index - 1) : 'None';
    const extra = rng.chance(0.02) && this.options.undocumentedFields ? ',"delivery_status":"delivered"' : '';
    return `{"_id":"${ds.messageId(index)}","conversation_id":"${ds.conversationId(conversation)}","date_created":"${formatOffset(created)}",`
      + `"answer_title":${answerTitle},"message_data":${data},"recipient":"${recipient}","sender":"${sender}","review":${review},`
      + `"chatter_id":${chatter},"answer_id":${answerId},"link_was_clicked":${clicked},"record_last_updated":"${loaded}","in_response_to":"${inResponseTo}"${extra}}`;
  }

  private metavariablesJson(f: Facts, url: number): string {
    const chat = f.platform === CHAT;
    const key = (((((chat ? 1 : 0) * LANGUAGES.length + f.language) * BROWSERS.length + f.browser) * DEVICES.length + f.device) * 8 + url) * 2 + (f.isTestUser ? 1 : 0);
    return this.metavariables.get(key, () =>
      `"metavariables":{"introshown":"${chat ? 'True' : 'False'}","language":${LANGUAGES_Q[f.language]},"browser":${BROWSERS_Q[f.browser]?.name},`
      + `"device":${DEVICES_Q[f.device]},"initialurl":${this.catalog.initialUrls[url]},"test_user":"${f.isTestUser ? 'True' : 'False'}"}`);
  }

  /** browser, browser_version, device, is_test_user, language, oauth_channel. */
  private deviceJson(f: Facts): string {
    const key = ((((f.browser * MAX_VERSIONS + f.browserVersion) * DEVICES.length + f.device) * 2 + (f.isTestUser ? 1 : 0)) * LANGUAGES.length + f.language) * (OAUTH_Q.length + 1) + f.oauthChannel + 1;
    return this.device.get(key, () => {
      const browser = BROWSERS_Q[f.browser];
      return `"browser":${browser?.name},"browser_version":${browser?.versions[f.browserVersion]},"device":${DEVICES_Q[f.device]},"is_test_user":${f.isTestUser},`
        + `"language":${LANGUAGES_Q[f.language]},"oauth_channel":${f.oauthChannel < 0 ? 'null' : OAUTH_Q[f.oauthChannel]}`;
    });
  }

  /** automated_resolution_*, inquiry_summary, generated_topic_id/label. */
  private topicJson(f: Facts, sampled: boolean, resolved: boolean, reason: number, hasTopic: boolean): string {
    const key = ((((f.topic * 2 + (sampled ? 1 : 0)) * 2 + (resolved ? 1 : 0)) * 8 + reason) * 2 + (hasTopic ? 1 : 0)) * 2 + (f.isEngaged ? 1 : 0);
    return this.topicSections.get(key, () => {
      const topic = this.catalog.topics[f.topic];
      return `"automated_resolution_classification":${sampled ? (resolved ? '"Resolved"' : '"Not Resolved"') : 'null'},`
        + `"automated_resolution_classification_reason":${sampled ? ((resolved ? RESOLVED_Q : NOT_RESOLVED_Q)[reason] ?? 'null') : 'null'},`
        + `"inquiry_summary":${f.isEngaged ? (topic?.summary ?? 'null') : 'null'},`
        + `"generated_topic_id":${hasTopic ? str(topic?.id ?? null) : 'null'},"generated_topic_label":${hasTopic ? (topic?.name ?? 'null') : 'null'}`;
    });
  }

  /** intent: -1 unclassified, 0 a Topic without Intents (Ada lists it with `intents: []` since 2026-10-06), k>0 the (k-1)-th intent. */
  private classificationsJson(topicIndex: number, intent: number, suggested: boolean): string {
    if (intent < 0) return '[]';
    return this.classifications.get((topicIndex * 64 + intent) * 2 + (suggested ? 1 : 0), () => {
      const topic = this.catalog.topics[topicIndex];
      const chosen = topic?.intents[intent - 1];
      const intents = chosen === undefined ? '[]' : `[{"intent_id":"${chosen.id}","intent_name":${chosen.name},"status":"${suggested ? 'suggested' : 'matched'}"}]`;
      return `[{"topic_id":"${topic?.id ?? ''}","topic_name":${topic?.name ?? '""'},"intents":${intents}}]`;
    });
  }

  /** One handoff per escalated conversation (ada-api.md §10.1). */
  private handoffJson(outcome: number, reason: number, recorded: boolean): string {
    return this.handoffs.get((outcome * 8 + reason) * 2 + (recorded ? 1 : 0), () => {
      const [code, reasoning] = HANDOFF_REASONS[reason] ?? ['', ''];
      return `[{"outcome_status":${HANDOFF_OUTCOMES_Q[outcome]},"reason_code":${recorded ? q(code) : 'null'},"reasoning":${recorded ? q(reasoning) : 'null'}}]`;
    });
  }

  private articlesJson(start: number, n: number): string {
    return this.articles.get(start * 8 + n, () => `[${pickFrom(this.catalog.articles, start, n).join(',')}]`);
  }

  /**
   * record_last_updated: shortly after the change, never after the data's horizon (the mock's
   * start); records written by mutate() are loaded at once, since their change happened "now".
   */
  private loadedAt(changedUs: number, mutated: boolean, rng: Rng): number {
    const lag = Math.floor(rng.float() * 30 * US_PER_SECOND);
    if (mutated) return changedUs;
    return Math.max(changedUs, Math.min(changedUs + lag, this.ds.anchorUs - 1));
  }

  /** Consecutive messages of a page mostly belong to a few live conversations; cache their facts. */
  private cached(index: number): { facts: Facts; original: State } {
    let entry = this.factsCache.get(index);
    if (entry === undefined) {
      if (this.factsCache.size >= 4096) this.factsCache.clear();
      entry = { facts: this.drawFacts(index), original: this.state(index, 0) };
      this.factsCache.set(index, entry);
    }
    return entry;
  }

  private drawFacts(index: number): Facts {
    const [s0, s1] = this.ds.seedWords;
    const rng = new Rng(hash32(s0, s1, TAG_CONVERSATION_FACTS, index));
    const platform = rng.int(0, PLATFORMS.length - 1);
    const browser = rng.int(0, BROWSERS.length - 1);
    // Returning chatters keep their chatter id and End User profile across conversations.
    const chatter = chatterAt(this.ds.seedWords, chatterSlot(this.ds.seedWords, index));
    return {
      chatterId: chatter.chatterId,
      platform,
      browser,
      browserVersion: rng.int(0, (BROWSERS[browser]?.[1].length ?? 1) - 1),
      device: rng.int(0, DEVICES.length - 1),
      language: rng.int(0, LANGUAGES.length - 1),
      isTestUser: rng.chance(0.02),
      isEngaged: rng.chance(0.9),
      oauthChannel: rng.chance(0.3) ? rng.int(0, OAUTH_CHANNELS.length - 1) : -1,
      endUserId: chatter.endUserId === null ? 'null' : `"${chatter.endUserId}"`,
      generative: rng.chance(0.75),
      topic: rng.int(0, TOPICS.length - 1),
      customerTier: rng.pick(TIERS_Q),
      orderNumber: rng.chance(0.5) ? `A-${rng.int(10000, 99999)}` : null,
    };
  }

  private state(index: number, version: number): State {
    const rng = new Rng(hash32(this.ds.seedWords[0], this.ds.seedWords[1], TAG_CONVERSATION_STATE, index, version));
    // Later versions are more eventful, so that a mutation visibly changes something.
    const escalated = rng.chance(version === 0 ? 0.15 : 0.5);
    const people = escalated ? this.agentTeam(rng.int(0, this.catalog.agents.length - 1), rng.int(1, 2)) : NO_AGENTS;
    if (!rng.chance(version === 0 ? 0.35 : 0.8)) return { escalated, ...people, csat: '{}', csatStyle: null };
    const score = rng.int(1, 5);
    const positive = score >= 4;
    const style = rng.pick(CSAT_STYLES_Q);
    const csat = `{"comment":${rng.pick(CSAT_COMMENTS_Q)},"feedback":"${positive ? 'positive' : 'negative'}","is_positive":${positive},`
      + `"resolved":${rng.chance(positive ? 0.9 : 0.3)},"score":${score},"style":${style}}`;
    return { escalated, ...people, csat, csatStyle: style };
  }

  private agentTeam(start: number, n: number): AgentSections {
    return this.teams.get(start * 8 + n, () => {
      const agents = pickFrom(this.catalog.agents, start, n);
      const last = agents[agents.length - 1];
      return {
        agentsJson: `"agent_id":[${agents.map((a) => `"${a.id}"`).join(',')}],"agent_name":[${agents.map((a) => a.name).join(',')}]`,
        lastAgentJson: last === undefined ? NO_AGENTS.lastAgentJson : `"last_agent_id":"${last.id}","last_agent_name":${last.name}`,
        firstAgentId: agents[0]?.id ?? null,
      };
    });
  }
}

/** n distinct items spread through the list from `start`; deterministic for memoised sections. */
function pickFrom<T>(items: readonly T[], start: number, n: number): T[] {
  const out: T[] = [];
  for (let k = 0; k < Math.min(n, items.length); k++) {
    const item = items[(start + k * 5) % items.length];
    if (item !== undefined && !out.includes(item)) out.push(item);
  }
  return out;
}

function buildCatalog(rng: Rng, handle: string, references: ConversationReferences): Catalog {
  const parents = [rng.hex(24), rng.hex(24)];
  return {
    agents: AGENT_NAMES.map((name) => ({ id: rng.hex(24), name: q(name) })),
    topics: TOPICS.map((t, i) => {
      const v2Title = `${t.name}: ${t.intents[0] ?? 'general'}`;
      const v2Desc = `Conversations about ${t.name.toLowerCase()}${t.intents[0] === undefined ? '' : `, mostly ${t.intents[0].toLowerCase()}`}.`;
      const v2Parent = i % 3 === 0 ? null : (parents[i % 2] ?? null);
      return {
        id: rng.hex(24),
        name: q(t.name),
        summary: q(t.summary),
        intents: t.intents.map((name) => ({ id: rng.hex(24), name: q(name) })),
        v2: `"generated_topic_v2_id":"${rng.uuid()}","generated_topic_v2_title":${q(v2Title)},"generated_topic_v2_desc":${q(v2Desc)},"generated_topic_v2_parent_id":${str(v2Parent)}`,
      };
    }),
    articles: references.articles.map((a) => asciiJson({ id: a.id, name: a.name, url: a.url, source: a.source })),
    playbooks: references.playbooks.map((p) => ({ id: p.id, name: q(p.name) })),
    coaching: COACHING.map((c) => asciiJson([{
      id: rng.hex(24), entity_name: c.entity, coaching_type: c.type, coaching_instructions: c.instructions, coaching_intent: c.intent,
    }])),
    answers: ['Order status', 'Refund policy', 'Reset password', 'Shipping times', 'Return label', 'Talk to an agent'].map((name) => ({ id: rng.hex(24), name: q(name) })),
    changesets: [rng.hex(24), rng.hex(24), rng.hex(24)].map((id) => `"${id}"`),
    initialUrls: URL_PATHS.map((p) => q(`https://www.${handle}.com/${p}`)),
    linkUrlPrefix: `https://help.${handle}.com/articles/`,
  };
}
