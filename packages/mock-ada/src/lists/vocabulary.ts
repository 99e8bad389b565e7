/** Word lists for the non-export records; plain data, picked from by the list builders. */

/** Knowledge sources: name, the shape of the ids their articles carry, and the source system. */
export const KNOWLEDGE_SOURCES: ReadonlyArray<{ name: string; slug: string; articleIds: ArticleIdStyle; system: string }> = [
  { name: 'Zendesk', slug: 'zendesk', articleIds: 'numeric', system: 'zendesk' },
  { name: 'Salesforce Knowledge', slug: 'salesforce-knowledge', articleIds: 'salesforce', system: 'salesforce' },
  { name: 'Website crawl', slug: 'website-crawl', articleIds: 'web', system: 'web_scraper' },
  { name: 'Ada knowledge base', slug: 'ada-knowledge-base', articleIds: 'object-id', system: 'ada' },
];

/** Article ids are chosen by whoever uploads them, so each source system has its own shape. */
export type ArticleIdStyle = 'numeric' | 'salesforce' | 'web' | 'object-id' | 'uuid';

export const KNOWLEDGE_TAGS = ['billing', 'orders', 'account', 'shipping', 'returns', 'product', 'subscriptions', 'troubleshooting'] as const;

export const ARTICLE_TITLES = [
  'How to request a refund', 'Tracking your order', 'Resetting your password', 'Shipping rates and times',
  'Our return policy', 'Changing your plan', 'Updating payment details', 'Troubleshooting the mobile app',
  'Deleting your account', 'Gift cards', 'International orders', 'Contacting a human agent',
  'Changing your delivery address', 'Cancelling an order', 'Applying a discount code', 'Pausing your subscription',
  'Understanding your invoice', 'Size guide', 'Product care instructions', 'Warranty claims',
  'Store locations and hours', 'Loyalty points explained', 'Two-factor authentication', 'Updating your email address',
  'Lost or damaged parcels', 'Exchanging an item', 'Student discount', 'Accessibility at Acme',
  'Privacy and your data', 'Payment methods we accept',
] as const;

export const ARTICLE_PARAGRAPHS = [
  'Most requests are handled within two business days. You will get an email as soon as anything changes.',
  'Sign in to your account and open **Orders** to see every purchase from the last two years.',
  'If something looks wrong, reply to your confirmation email and our team will take a look.',
  'Prices include VAT where it applies. Duties for international orders are shown at checkout.',
] as const;

/** ISO 639-1 plus Ada's `zh-tw`; English dominates as it does in most knowledge bases. */
export const ARTICLE_LANGUAGES = ['en', 'en', 'en', 'en', 'en', 'fr', 'es', 'de', 'zh-tw'] as const;

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Ava', 'Elijah', 'Sophia', 'Lucas',
  'Mia', 'Mateo', 'Zoë', 'Hiro', 'Ines', 'Kwame', 'Léa', 'Arjun', 'Freya', 'Tomás',
] as const;
export const LAST_NAMES = [
  'Smith', 'García', 'Müller', 'Nguyen', 'Okafor', 'Tanaka', 'Rossi', 'Dubois', 'Kowalski', 'Silva',
  'Johnson', 'Brown', 'Andersson', 'Haddad', 'Patel', 'O\'Brien', 'Kim', 'Novak', 'Jensen', 'López',
] as const;
/** BCP 47, as end-user profiles carry them (ada-api.md §9.6). */
export const PROFILE_LANGUAGES = ['en-US', 'en-US', 'en-GB', 'fr-FR', 'fr-CA', 'es-ES', 'de-DE', 'pt-BR', 'ja-JP', 'nl-NL'] as const;
export const PLANS = ['free', 'pro', 'business', 'enterprise'] as const;

export const EVENT_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['v1.audit_log.emitted', 'An entry was written to the audit log.'],
  ['v1.conversation.created', 'A conversation was started on a supported channel.'],
  ['v1.conversation.ended', 'A conversation ended.'],
  ['v1.conversation.message', 'A message was sent in a conversation.'],
  ['v1.end_user.created', 'An end user profile was created.'],
  ['v1.end_user.updated', 'An end user profile was updated.'],
];

export const WEBHOOK_TARGETS: ReadonlyArray<{ path: string; description: string }> = [
  { path: 'ada/conversations', description: 'Conversation events for the support data warehouse' },
  { path: 'ada/all', description: 'Everything, for the integration audit trail' },
  { path: 'crm/end-users', description: 'Sync new and changed end users into the CRM' },
];

export const CHANNELS: ReadonlyArray<{ type: 'custom' | 'native'; name: string; description: string; modality: 'messaging' | 'email' | 'voice'; markdown: boolean }> = [
  { type: 'custom', name: 'Zendesk Messaging bridge', description: 'Relays Zendesk Messaging conversations to the AI Agent.', modality: 'messaging', markdown: true },
  { type: 'custom', name: 'In-app chat (iOS)', description: 'The chat tab of the iOS app.', modality: 'messaging', markdown: false },
  { type: 'custom', name: 'Legacy email relay', description: 'Forwards the old support@ mailbox.', modality: 'email', markdown: false },
  { type: 'native', name: 'Web Chat', description: 'Ada\'s chat widget on the website.', modality: 'messaging', markdown: true },
  { type: 'native', name: 'SMS', description: 'Text messages through Ada\'s SMS integration.', modality: 'messaging', markdown: false },
  { type: 'native', name: 'Email', description: 'Ada\'s email channel.', modality: 'email', markdown: true },
  { type: 'native', name: 'Voice', description: 'Ada\'s phone channel.', modality: 'voice', markdown: false },
];

export const VARIABLES = [
  'customer_tier', 'order_number', 'returning_customer', 'email', 'first_name', 'language',
  'plan', 'country', 'loyalty_points', 'last_order_date', 'subscription_status', 'zip_code',
] as const;

export const CUSTOM_INSTRUCTIONS: ReadonlyArray<{ title: string; text: string; notes: string | null; rule: string | null }> = [
  { title: 'Tone of voice', text: 'Be warm and brief. Use the customer\'s first name once per conversation.', notes: null, rule: null },
  { title: 'Refunds over 100 EUR', text: 'Never promise a refund over 100 EUR; offer a handoff instead.', notes: 'Finance asked for this in Q3.', rule: null },
  { title: 'French customers', text: 'Answer in French and use "vous".', notes: null, rule: 'language == "fr"' },
  { title: 'Enterprise accounts', text: 'Offer the dedicated account manager before any other option.', notes: 'Owner: CS Ops', rule: 'customer_tier == "enterprise"' },
  { title: 'Holiday shipping', text: 'Mention that deliveries may take two extra days in December.', notes: null, rule: null },
];

export const PLAYBOOK_SECTIONS = [
  ['Verify the customer', 'Ask for the order number and the email address on the order.'],
  ['Look up the order', 'Call the order lookup action with the order number.'],
  ['Decide', 'Follow the policy in the referenced articles; hand off when unsure.'],
  ['Wrap up', 'Summarise what was done and ask whether anything else is needed.'],
] as const;
export const PLAYBOOK_TAGS = ['orders', 'billing', 'account', 'beta', 'handoff'] as const;

export const INTEGRATIONS: ReadonlyArray<{ name: string; description: string; status: 'development' | 'approved' | 'archived'; tags: string[] }> = [
  { name: 'Acme Help Center Sync', description: 'Pushes Help Center articles into Ada\'s knowledge base.', status: 'approved', tags: ['knowledge'] },
  { name: 'Order Lookup (sandbox)', description: 'Lets the AI Agent look up orders in the staging shop.', status: 'development', tags: [] },
];

/** Dashboard users who show up as audit-log actors. */
export const TEAM = [
  ['Priya Raman', 'priya.raman'], ['Marcus Lee', 'marcus.lee'], ['Sofia Alvarez', 'sofia.alvarez'],
  ['Tom Becker', 'tom.becker'], ['Aiko Tanaka', 'aiko.tanaka'],
] as const;

/** What the audit log covers (ada-api.md §9.8) and which activities each kind of entity sees. */
export const AUDIT_ENTITIES: ReadonlyArray<{ type: string; activities: readonly string[] }> = [
  { type: 'playbook', activities: ['created', 'updated', 'updated', 'activated', 'deactivated', 'deleted'] },
  { type: 'knowledge_article', activities: ['created', 'updated', 'updated', 'updated', 'deleted'] },
  { type: 'knowledge_source', activities: ['created', 'updated', 'executed'] },
  { type: 'variable', activities: ['created', 'updated', 'deleted'] },
  { type: 'coaching', activities: ['created', 'updated', 'deleted'] },
  { type: 'action', activities: ['created', 'updated', 'executed'] },
  { type: 'handoff', activities: ['updated'] },
  { type: 'greeting', activities: ['updated'] },
  { type: 'topic', activities: ['created', 'updated'] },
  { type: 'test', activities: ['created', 'executed'] },
  { type: 'api_key', activities: ['created', 'deleted'] },
  { type: 'team_member', activities: ['invited', 'activated', 'deactivated'] },
  { type: 'sso', activities: ['updated'] },
];
export const AUDIT_INTERFACES = ['dashboard', 'dashboard', 'dashboard', 'dashboard', 'api', 'api', 'mcp', 'cli', 'import', 'system'] as const;
export const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36',
  'python-requests/2.32.3',
  'ada-cli/1.4.0',
] as const;
export const API_KEY_NAMES = ['warehouse-sync', 'kb-importer', 'ci-tests'] as const;
