import { describe, expect, it } from 'vitest';
import { catalog, expectValidProtocol, idsOf, mockConfig, read, sorted, startMockProcess } from './helpers.js';

describe('a budget shared with another client of the same Ada', () => {
  it('slows down to what the X-RateLimit headers leave it, without a single 429, and leaves the other client its share', async () => {
    // Ada allows 10 requests a second on the messages endpoint; another integration spends 5 of them.
    const mock = await startMockProcess({
      seed: 91,
      conversations: 1200,
      messagesPerConversation: 5,
      historyDays: 30,
      groupRateLimits: { export: { perSecond: 10, perMinute: 100_000, perDay: null } },
      otherClient: { group: 'export', stream: 'messages', perSecond: 5 },
      rateLimitHeaders: 'second',
    });
    try {
      const config = mockConfig(mock, { requests_per_second: 10, requests_per_minute: 100_000, requests_per_day: 100_000_000 });
      const run = await read({ config, catalog: catalog('incremental', ['messages']) });
      expectValidProtocol(run);
      expect(run.code).toBe(0);
      expect(sorted(idsOf(run, 'messages'))).toEqual(sorted(await mock.ids('messages')));
      const stats = await mock.stats();
      expect(stats.byEndpoint.messages).toBeGreaterThan(30);
      expect(stats.status['429'] ?? 0).toBe(0);
      // The other client keeps its share. Not every request of it, always: our first requests go out
      // before any answer has told us of it, and at a window's edge its count and ours are seen a
      // moment apart; a few in a hundred is what another polite client would also cost it.
      const other = stats.otherClient!;
      expect(other.admitted).toBeGreaterThan(30);
      expect(other.refused).toBeLessThanOrEqual(Math.ceil((other.admitted + other.refused) * 0.05));
    } finally {
      await mock.close();
    }
  }, 120_000);
});
