import { hex6 } from '../random.js';
import { type ListContext, nthName, rowRng, sample } from './context.js';
import type { CustomInstructionRecord, KnowledgeArticleRecord, PlaybookRecord, VariableRecord } from './types.js';
import { CUSTOM_INSTRUCTIONS, PLAYBOOK_SECTIONS, PLAYBOOK_TAGS, VARIABLES } from './vocabulary.js';
import { PLAYBOOKS } from '../vocabulary.js';

const TAG_VARIABLE = 0x7a2;
const TAG_INSTRUCTION = 0x1c5;
const TAG_PLAYBOOK = 0x9b0;

/** Reserved and internal variables are left out of Ada's list, so these are all customer-defined. */
export function variable(ctx: ListContext, k: number): VariableRecord {
  const rng = rowRng(ctx, TAG_VARIABLE, k);
  return { id: `${rng.hex(18)}${hex6(k)}`, name: nthName(VARIABLES, k).replace(' ', '_') };
}

export function customInstruction(ctx: ListContext, k: number): CustomInstructionRecord {
  const rng = rowRng(ctx, TAG_INSTRUCTION, k);
  const kind = CUSTOM_INSTRUCTIONS[k % CUSTOM_INSTRUCTIONS.length] ?? CUSTOM_INSTRUCTIONS[0];
  return {
    id: `${rng.hex(18)}${hex6(k)}`,
    // Titles are unique per agent.
    title: nthName(CUSTOM_INSTRUCTIONS.map((c) => c.title), k),
    text: kind?.text ?? '',
    enabled: k % 4 !== 3,
    notes: kind?.notes ?? null,
    availability_rules: kind?.rule ?? null,
  };
}

/** Playbooks cite knowledge articles by id, so `articles` are the ones the articles list serves. */
export function playbook(ctx: ListContext, articles: readonly KnowledgeArticleRecord[], k: number): PlaybookRecord {
  const rng = rowRng(ctx, TAG_PLAYBOOK, k);
  const name = nthName(PLAYBOOKS, k);
  return {
    id: `${rng.hex(18)}${hex6(k)}`,
    name,
    version: 2,
    enabled: k % 5 !== 4,
    description: `Guides the AI Agent through "${name.toLowerCase()}".`,
    sections: sample(rng, PLAYBOOK_SECTIONS, rng.int(1, PLAYBOOK_SECTIONS.length)).map(([title, instructions]) => ({ title, instructions })),
    tags: sample(rng, PLAYBOOK_TAGS, rng.int(0, 2)),
    referenced_articles: sample(rng, articles, rng.int(0, 3)).map((a) => a.id),
  };
}
