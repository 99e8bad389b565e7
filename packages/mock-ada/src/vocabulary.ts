/**
 * Fixed word lists for record contents. They are plain data so that the generator stays cheap:
 * a record is assembled by picking from these, never by building strings char by char.
 */

export const PLATFORMS = ['chat', 'chat', 'chat', 'sms', 'whatsapp', 'messenger', 'email', 'voice'] as const;
export const BROWSERS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['chrome', ['124.0.6367.118', '126.0.6478.127', '128.0.6613.84', '95.0.4638.69']],
  ['safari', ['17.4.1', '17.5', '18.0']],
  ['firefox', ['125.0', '127.0.2', '129.0']],
  ['edge', ['124.0.2478.80', '127.0.2651.74']],
  ['samsung internet', ['25.0.1.3']],
];
export const DEVICES = ['macos', 'windows', 'iphone', 'android', 'ipad', 'linux'] as const;
export const LANGUAGES = ['en', 'en', 'en', 'en', 'fr', 'es', 'de', 'pt', 'ja', 'nl'] as const;
export const OAUTH_CHANNELS = ['chat', 'sms', 'email', 'messenger'] as const;

export const AGENT_NAMES = [
  'Priya Raman', 'Marcus Lee', 'Sofia Alvarez', 'Tom Becker', 'Aiko Tanaka', 'Liam O\'Connor',
  'Fatima Zahra', 'Noah Schmidt', 'Chloé Martin', 'Daniel Kim', 'Grace Okafor', 'Mateo Rossi',
] as const;

export const TOPICS: ReadonlyArray<{ name: string; intents: readonly string[]; summary: string }> = [
  { name: 'Billing', intents: ['Refund request', 'Invoice copy', 'Double charge', 'Update payment method'], summary: 'The customer asked about a charge on their latest invoice.' },
  { name: 'Orders', intents: ['Order status', 'Cancel order', 'Change delivery address'], summary: 'The customer wanted to know where their order is.' },
  { name: 'Account', intents: ['Password reset', 'Delete account', 'Change email'], summary: 'The customer could not log in to their account.' },
  { name: 'Shipping', intents: ['Delivery times', 'International shipping', 'Lost parcel'], summary: 'The customer asked how long shipping takes.' },
  { name: 'Returns', intents: ['Return label', 'Return window', 'Exchange item'], summary: 'The customer wanted to return an item bought last week.' },
  { name: 'Product questions', intents: ['Sizing', 'Compatibility', 'Availability'], summary: 'The customer asked whether a product is back in stock.' },
  { name: 'Subscriptions', intents: ['Pause subscription', 'Upgrade plan', 'Cancel subscription'], summary: 'The customer wanted to pause their subscription.' },
  { name: 'Technical issue', intents: [], summary: 'The customer reported that the app crashes on start.' },
];

export const ARTICLES = [
  'How to request a refund', 'Tracking your order', 'Resetting your password', 'Shipping rates and times',
  'Our return policy', 'Changing your plan', 'Updating payment details', 'Troubleshooting the mobile app',
  'Deleting your account', 'Gift cards', 'International orders', 'Contacting a human agent',
] as const;
export const ARTICLE_SOURCES = ['Zendesk', 'Salesforce Knowledge', 'Website crawl', 'Ada knowledge base'] as const;

export const PLAYBOOKS = ['Refund eligibility', 'Order lookup', 'Identity verification', 'Cancel subscription', 'Escalate to agent', 'Update delivery address'] as const;
export const PLAYBOOK_OUTCOMES = ['completed', 'completed', 'completed', 'abandoned', 'failed'] as const;

export const COACHING: ReadonlyArray<{ entity: string; type: string; instructions: string; intent: string | null }> = [
  { entity: 'Refunds over 100 EUR', type: 'guidance', instructions: 'Always hand off refunds over 100 EUR to a human agent.', intent: 'Refund request' },
  { entity: 'Tone', type: 'tone', instructions: 'Keep answers short and friendly; avoid jargon.', intent: null },
  { entity: 'Shipping promises', type: 'guidance', instructions: 'Never promise a delivery date; link to the tracking page instead.', intent: 'Order status' },
  { entity: 'Competitors', type: 'restriction', instructions: 'Do not discuss competitor products.', intent: null },
];

export const RESOLUTION_REASONS = {
  Resolved: [
    'The AI Agent answered the question and the customer confirmed it helped.',
    'The customer received the tracking link and left satisfied.',
    'The AI Agent completed the refund playbook successfully.',
  ],
  'Not Resolved': [
    'The customer asked for a human and the handoff was not completed.',
    'The AI Agent could not find the order the customer referred to.',
    'The customer left without confirming that the answer helped.',
  ],
} as const;

export const CHATTER_LINES = [
  'Hi, where is my order?', 'I was charged twice this month', 'How do I reset my password?',
  'Can I return these shoes?', 'Do you ship to Canada?', 'I want to cancel my subscription',
  'The app keeps crashing when I open it', 'Can I talk to a person please', 'Is the blue one back in stock?',
  'What is your refund policy?', 'thanks!', 'That did not help', 'My order number is A-10234',
  'It says payment failed', 'ok', 'How long does delivery take?',
] as const;

export const BOT_LINES = [
  'I can help with that! Could you share your order number?',
  'Here is how to reset your password: go to Settings > Security and choose "Reset password".',
  'Returns are free within 30 days of delivery. Would you like a return label?',
  'We ship to over 40 countries, including Canada. Delivery takes 5 to 8 business days.',
  'I\'m sorry about the double charge. I\'ve opened a refund request for you.',
  'Let me connect you with one of our agents.',
  'Is there anything else I can help you with?',
  'You can track your parcel here: https://track.example.com/A-10234',
] as const;

export const GREETINGS = [
  'Hi there! I\'m the Acme AI Agent. How can I help today?',
  'Hello! Ask me anything about orders, returns or your account.',
] as const;

export const CSAT_COMMENTS = ['Quick and helpful', 'Did not solve my problem', 'Great bot!', 'Too slow to reach a human', ''] as const;
export const CSAT_STYLES = ['EMOJI', 'NUMERIC', 'THUMBS', 'STARS'] as const;
export const CUSTOMER_TIERS = ['free', 'pro', 'business', 'enterprise'] as const;
export const TOOL_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['lookup_order', 'action'], ['issue_refund', 'action'], ['handoff_to_zendesk', 'handoff'], ['verify_identity', 'action'],
];

/** Handoff reason codes (ada-api.md §10.1); Ada records them only from 2026-10-07 on. */
export const HANDOFF_REASONS: ReadonlyArray<readonly [string, string]> = [
  ['customer_requested', 'The customer asked to speak with a person.'],
  ['policy_required', 'The request needs a human by policy (refund over the limit).'],
  ['out_of_scope', 'The AI Agent has no knowledge or action for this request.'],
  ['customer_frustrated', 'The customer repeated the question and sounded frustrated.'],
];
export const HANDOFF_OUTCOMES = ['completed', 'completed', 'completed', 'abandoned', 'failed'] as const;
