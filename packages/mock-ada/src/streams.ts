/** Every stream the connector syncs, named as the connector names them (ada-api.md §2, §9, §10.2). */
export const EXPORT_STREAMS = ['conversations', 'messages'] as const;
export const LIST_STREAMS = [
  'knowledge_articles', 'knowledge_sources', 'knowledge_tags', 'end_users', 'platform_integrations', 'audit_log_events',
  'webhooks', 'webhook_event_types', 'channels', 'variables', 'custom_instructions', 'playbooks',
] as const;
export const STREAMS = [...EXPORT_STREAMS, ...LIST_STREAMS] as const;

export type ExportStream = (typeof EXPORT_STREAMS)[number];
export type ListStream = (typeof LIST_STREAMS)[number];
export type Stream = ExportStream | ListStream;

/** Ada's rate-limit budgets (ada-api.md §10.4); each stream spends exactly one. */
export type RateLimitGroup = 'export' | 'default' | 'endUsers' | 'knowledgeArticles' | 'auditLog';
export const RATE_LIMIT_GROUPS: readonly RateLimitGroup[] = ['export', 'default', 'endUsers', 'knowledgeArticles', 'auditLog'];

interface StreamRoute {
  path: string;
  group: RateLimitGroup;
  /** Ada's reference paths end in `/`; clients call them either way (ada-api.md §9.1). */
  trailingSlash: boolean;
}

export const ROUTES: Record<Stream, StreamRoute> = {
  conversations: { path: '/api/v2/export/conversations', group: 'export', trailingSlash: false },
  messages: { path: '/api/v2/export/messages', group: 'export', trailingSlash: false },
  knowledge_articles: { path: '/api/v2/knowledge/articles', group: 'knowledgeArticles', trailingSlash: true },
  knowledge_sources: { path: '/api/v2/knowledge/sources', group: 'default', trailingSlash: true },
  knowledge_tags: { path: '/api/v2/knowledge/tags', group: 'default', trailingSlash: true },
  end_users: { path: '/api/v2/end-users', group: 'endUsers', trailingSlash: true },
  platform_integrations: { path: '/api/v2/platform-integrations', group: 'default', trailingSlash: true },
  audit_log_events: { path: '/api/v2/analytics/audit-log/events', group: 'auditLog', trailingSlash: true },
  webhooks: { path: '/api/v2/webhooks', group: 'default', trailingSlash: true },
  webhook_event_types: { path: '/api/v2/webhooks/event-types', group: 'default', trailingSlash: true },
  channels: { path: '/api/v2/channels', group: 'default', trailingSlash: true },
  variables: { path: '/api/v2/variables', group: 'default', trailingSlash: true },
  custom_instructions: { path: '/api/v2/custom-instructions', group: 'default', trailingSlash: true },
  playbooks: { path: '/api/v2/playbooks', group: 'default', trailingSlash: true },
};

const BY_PATH = new Map<string, Stream>();
for (const stream of STREAMS) {
  const route = ROUTES[stream];
  BY_PATH.set(route.path, stream);
  if (route.trailingSlash) BY_PATH.set(`${route.path}/`, stream);
}

export function streamAt(pathname: string): Stream | undefined {
  return BY_PATH.get(pathname);
}

export function isStream(name: string): name is Stream {
  return (STREAMS as readonly string[]).includes(name);
}

export function isExportStream(stream: Stream): stream is ExportStream {
  return stream === 'conversations' || stream === 'messages';
}
