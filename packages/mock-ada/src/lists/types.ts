/** Record shapes of Ada's non-export read APIs as the mock serves them (ada-api.md §9.3–§9.9, §10.2). */

/** `{match, conditions}`; a condition is a variable test or a nested group. */
export interface AvailabilityRules {
  match: 'all' | 'any';
  conditions: Array<AvailabilityCondition | AvailabilityRules>;
}

export interface AvailabilityCondition {
  variable: { id: string };
  operator: string;
  value?: string | number | boolean;
  case_sensitive?: boolean;
}

export interface KnowledgeArticleRecord {
  id: string;
  name: string;
  content: string;
  url: string | null;
  knowledge_source_id: string | null;
  language: string;
  tag_ids: string[];
  created: string;
  updated: string;
  external_created: string | null;
  external_updated: string | null;
  enabled: boolean;
  metadata: Record<string, string | number | boolean> | null;
  availability_rules: AvailabilityRules | null;
}

export interface KnowledgeSourceRecord {
  id: string;
  name: string;
  external_id: string | null;
  metadata: Record<string, string> | null;
  created: string;
  updated: string;
  last_sync: string;
  status: 'deleting' | 'delete_failed' | null;
}

export interface KnowledgeTagRecord {
  id: string;
  name: string;
}

export interface EndUserRecord {
  end_user_id: string;
  external_id: string | null;
  profile: {
    first_name: string | null;
    last_name: string | null;
    display_name: string | null;
    avatar: string | null;
    email: string | null;
    language: string | null;
    metadata: Record<string, string | number | boolean>;
    system_properties: { sunshine_user_id: string | null };
  };
  created_at: string;
  updated_at: string;
}

export interface PlatformIntegrationRecord {
  id: string;
  status: 'development' | 'approved' | 'archived';
  created: string;
  updated: string;
  name: string;
  description: string;
  author: string;
  contact: string;
  identifier_field_path: string;
  icon_url: string | null;
  call_to_action: string | null;
  uninstallation_url: string;
  oauth_callback_url: string;
  tags: string[];
  scopes: string[];
  configuration_fields: Record<string, unknown>;
  error_codes: Record<string, string> | null;
}

export interface AuditLogEventRecord {
  id: string;
  timestamp: string;
  actor_email: string;
  actor_name: string;
  actor_user_id: string;
  entity_type: string;
  entity_id: string;
  entity_name: string;
  activity: string;
  interface: string;
  context_ip: string;
  context_user_agent: string;
  api_key_name: string;
}

export interface WebhookRecord {
  id: string;
  url: string;
  description: string;
  event_filters: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface WebhookEventTypeRecord {
  name: string;
  description: string;
}

export interface ChannelRecord {
  type: 'custom' | 'native';
  id: string;
  name: string;
  description: string;
  modality: 'messaging' | 'email' | 'voice';
  capabilities: { markdown: boolean };
  /** Custom channels only. */
  metadata?: Record<string, string>;
  /** Custom channels only. */
  created_at?: string;
}

export interface VariableRecord {
  id: string;
  name: string;
}

export interface CustomInstructionRecord {
  id: string;
  title: string;
  text: string;
  enabled: boolean;
  notes: string | null;
  availability_rules: string | null;
}

export interface PlaybookRecord {
  id: string;
  name: string;
  version: number;
  enabled: boolean;
  description: string;
  sections: Array<{ title: string; instructions: string }>;
  tags: string[];
  referenced_articles: string[];
}
