import { hex6 } from '../random.js';
import { formatOffset } from '../time.js';
import { daysBack, type ListContext, laterThan, nthName, rowRng } from './context.js';
import type { PlatformIntegrationRecord } from './types.js';
import { INTEGRATIONS } from './vocabulary.js';

const TAG_INTEGRATION = 0x1e9;

/** Integrations this account built (developer apps), not apps installed into the agent (ada-api.md §9.7). */
export function platformIntegration(ctx: ListContext, k: number, bornUs?: number): PlatformIntegrationRecord {
  const rng = rowRng(ctx, TAG_INTEGRATION, k);
  const kind = INTEGRATIONS[k % INTEGRATIONS.length] ?? INTEGRATIONS[0];
  const created = bornUs ?? daysBack(rng, ctx, 90, 600);
  const updated = bornUs ?? laterThan(rng, ctx, created);
  const slug = nthName(INTEGRATIONS.map((i) => i.name), k).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-$/, '');
  return {
    id: `${rng.hex(18)}${hex6(k)}`,
    status: bornUs === undefined ? (kind?.status ?? 'development') : 'development',
    created: formatOffset(created),
    updated: formatOffset(updated),
    name: nthName(INTEGRATIONS.map((i) => i.name), k),
    description: kind?.description ?? '',
    author: `${ctx.handle} platform team`,
    contact: rng.chance(0.5) ? `platform@${ctx.handle}.com` : `https://www.${ctx.handle}.com/developers`,
    identifier_field_path: 'account.subdomain',
    icon_url: rng.chance(0.5) ? `https://cdn.${ctx.handle}.com/integrations/${slug}.png` : null,
    call_to_action: rng.chance(0.5) ? 'Connect your account' : null,
    uninstallation_url: `https://integrations.${ctx.handle}.com/${slug}/uninstall`,
    oauth_callback_url: `https://integrations.${ctx.handle}.com/${slug}/oauth/callback`,
    tags: kind?.tags ?? [],
    scopes: kind?.tags.includes('knowledge') === true ? ['knowledge:read', 'knowledge:write'] : ['conversations:read'],
    configuration_fields: {
      type: 'object',
      properties: { account: { type: 'object', properties: { subdomain: { type: 'string', title: 'Subdomain' } }, required: ['subdomain'] } },
      required: ['account'],
    },
    error_codes: rng.chance(0.5) ? { invalid_subdomain: 'The subdomain does not exist.', expired_token: 'Reconnect the integration.' } : null,
  };
}
