import { ceilToSecond, floorToSecond, formatSecond, type MessageWriter, type SourceDefinition } from '@ada-airbyte/core';
import { AdaClient } from './ada-client.js';
import { connectionSpecification, parseConfig, type AdaConfig } from './config.js';
import { readRange } from './read-range.js';
import { conversations } from './streams/conversations.js';
import { messages } from './streams/messages.js';

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
    const url = client.firstPageUrl(
      'conversations',
      'updated',
      formatSecond(floorToSecond(now - 3_600_000)),
      formatSecond(ceilToSecond(now)),
      100,
    );
    await client.fetchPage('conversations', url);
  },
  streams(config: AdaConfig, out: MessageWriter) {
    const client = new AdaClient(config, out);
    // One range for the whole read: "up to the moment it starts", the same for every stream.
    const range = readRange(config);
    return [conversations(config, client, range), messages(config, client, range)];
  },
};
