/** Record shapes as the API serialises them (ada-api.md §3.1 and §3.2), field order included. */

export interface Csat {
  comment?: string;
  feedback?: string;
  is_positive?: boolean;
  resolved?: boolean;
  score?: number;
  style?: string;
}

export interface ConversationRecord {
  _id: string;
  chatter_id: string;
  date_created: string;
  date_updated: string;
  is_engaged: boolean;
  is_escalated: boolean;
  platform: string;
  metavariables: Record<string, string>;
  variables: Record<string, string | number | boolean>;
  csat: Csat;
  agent_id: string[];
  agent_name: string[];
  browser: string;
  browser_version: string;
  device: string;
  is_test_user: boolean;
  language: string;
  oauth_channel: string | null;
  automated_resolution_classification: 'Resolved' | 'Not Resolved' | null;
  automated_resolution_classification_reason: string | null;
  inquiry_summary: string | null;
  generated_topic_id: string | null;
  generated_topic_label: string | null;
  end_user_id: string | null;
  agent_handle_time: number;
  bot_handle_time: number;
  record_last_updated: string | null;
  generated_topic_v2_id: string | null;
  generated_topic_v2_title: string | null;
  generated_topic_v2_desc: string | null;
  generated_topic_v2_parent_id: string | null;
  used_coaching: Array<{ id: string | null; entity_name: string | null; coaching_type: string | null; coaching_instructions: string | null; coaching_intent: string | null }>;
  classifications: Array<{ topic_id: string; topic_name: string; intents: Array<{ intent_id: string; intent_name: string; status: string }> }>;
  used_articles: Array<{ id: string; name: string; url: string | null; source: string | null }>;
  used_playbooks: Array<{ id: string; name: string; playbook_execution_id: string | null; outcome_status: string | null }>;
  last_agent_id: string | null;
  last_agent_name: string | null;
  /** The AI Agent version that handled the conversation; "baseline" for the live agent. */
  changeset_id: string;
  /** One per handoff the AI Agent started; reason_code and reasoning are null before 2026-10-07. */
  handoffs: Array<{ outcome_status: string; reason_code: string | null; reasoning: string | null }>;
  /** Not in Ada's docs: stands in for fields Ada adds without a version bump. */
  ai_agent_version?: string;
}

export type MessageData = { _type: string; body?: string | null } & Record<string, string | boolean | null | undefined>;

export interface MessageRecord {
  _id: string;
  conversation_id: string;
  date_created: string;
  answer_title: string | null;
  message_data: MessageData;
  recipient: string;
  sender: string;
  review: number;
  chatter_id: string | null;
  answer_id: string | null;
  link_was_clicked: boolean | null;
  record_last_updated: string;
  in_response_to: string;
  /** Not in Ada's docs: stands in for fields Ada adds without a version bump. */
  delivery_status?: string;
}
