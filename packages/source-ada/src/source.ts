import { ceilToSecond, floorToSecond, formatSecond, type MessageWriter, type SourceDefinition } from '@ada-airbyte/core';
import { AdaClient } from './ada-client.js';
import { connectionSpecification, parseConfig, type AdaConfig } from './config.js';
import { readRanges, type ReadRanges } from './read-range.js';
import { auditLogEvents } from './streams/audit_log_events.js';
import { channels } from './streams/channels.js';
import { conversations } from './streams/conversations.js';
import { customInstructions } from './streams/custom_instructions.js';
import { endUsers } from './streams/end_users.js';
import { knowledgeArticles } from './streams/knowledge_articles.js';
import { knowledgeSources } from './streams/knowledge_sources.js';
import { knowledgeTags } from './streams/knowledge_tags.js';
import { messages } from './streams/messages.js';
import { platformIntegrations } from './streams/platform_integrations.js';
import { playbooks } from './streams/playbooks.js';
import { variables } from './streams/variables.js';
import { webhookEventTypes } from './streams/webhook_event_types.js';
import { webhooks } from './streams/webhooks.js';

/** Check fails fast: a wrong host or key should not sit through a read's retry budget. */
const CHECK_MAX_RETRIES = 2;

export const sourceAda: SourceDefinition<AdaConfig> = {
  spec: () => ({
    documentationUrl: 'https://docs.ada.cx/reference/data-export/overview',
    connectionSpecification: connectionSpecification(),
    supportsIncremental: true,
  }),
  parseConfig,
  async check(config: AdaConfig, out: MessageWriter) {
    const client = new AdaClient(config, out, { maxRetries: Math.min(CHECK_MAX_RETRIES, config.max_retries) });
    // The smallest authenticated export request: one page of the last hour of conversations.
    const now = Date.now();
    const url = client.url('/api/v2/export/conversations', {
      updated_since: formatSecond(floorToSecond(now - 3_600_000)),
      updated_to: formatSecond(ceilToSecond(now)),
      page_size: '100',
    });
    await client.fetchPage(url, { group: 'export', key: 'conversations' });
  },
  streams(config: AdaConfig, out: MessageWriter) {
    const client = new AdaClient(config, out);
    // One range for the whole read, "up to the moment it starts" by Ada's clock, the same for every
    // stream; learnt when the first windowed stream starts.
    let ranges: Promise<ReadRanges> | undefined;
    const rangesOfRead = () => (ranges ??= client.adaNow().then((now) => readRanges(config, now)));
    return [
      conversations(config, client, rangesOfRead),
      messages(config, client, rangesOfRead),
      knowledgeArticles(client),
      knowledgeSources(client),
      knowledgeTags(client),
      endUsers(client),
      platformIntegrations(client),
      auditLogEvents(config, client, rangesOfRead),
      webhooks(client),
      webhookEventTypes(client),
      channels(client),
      variables(client),
      customInstructions(client),
      playbooks(client),
    ];
  },
};
