import { hash32, Rng } from '../random.js';
import { US_PER_DAY } from '../time.js';

/** What every list builder draws from: the seed, the data's horizon and the AI Agent's handle. */
export interface ListContext {
  seedWords: readonly [number, number];
  /** Generated rows are dated strictly before this instant (microseconds), like the conversations. */
  anchorUs: number;
  handle: string;
}

/** A row's own random stream: a pure function of (seed, list, index), so rows never depend on each other's draws. */
export function rowRng(ctx: ListContext, tag: number, k: number): Rng {
  return new Rng(hash32(ctx.seedWords[0], ctx.seedWords[1], tag, k));
}

/** An instant between `maxDays` and `minDays` days before the horizon. */
export function daysBack(rng: Rng, ctx: ListContext, minDays: number, maxDays: number): number {
  return ctx.anchorUs - 1 - Math.floor((minDays + rng.float53() * (maxDays - minDays)) * US_PER_DAY);
}

/** An instant between `fromUs` and the horizon (or `fromUs` itself for a row created "now"). */
export function laterThan(rng: Rng, ctx: ListContext, fromUs: number): number {
  return Math.max(fromUs, fromUs + Math.floor(rng.float53() * (ctx.anchorUs - 1 - fromUs)));
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Mixed-case letters and digits, as Salesforce record ids and Svix endpoint ids are made of. */
export function alnum(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[rng.next() % ALNUM.length] ?? '0';
  return out;
}

/** `k` in base 62, left-padded to `width`: keeps generated ids unique without a lookup. */
export function base62(k: number, width: number): string {
  let out = '';
  let n = k;
  do {
    out = (ALNUM[n % 62] ?? '0') + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, '0');
}

/** `n` distinct items of `items`, in list order. */
export function sample<T>(rng: Rng, items: readonly T[], n: number): T[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(n, items.length)) chosen.add(rng.int(0, items.length - 1));
  return [...chosen].sort((a, b) => a - b).map((i) => items[i] as T);
}

/** The k-th name of a fixed list, numbered once the list runs out ("Zendesk", …, "Zendesk 2"). */
export function nthName(names: readonly string[], k: number): string {
  const round = Math.floor(k / names.length);
  const name = names[k % names.length] ?? '';
  return round === 0 ? name : `${name} ${round + 1}`;
}
