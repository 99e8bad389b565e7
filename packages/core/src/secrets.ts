/**
 * The one place secrets are redacted. Connectors register secret values as soon as they parse a
 * config; every line the output layer writes (LOG, TRACE, stderr) passes through filterSecrets.
 */
const secrets = new Set<string>();
const MASK = '****';

/**
 * Shorter values are not keys (Ada's are dozens of characters) and masking them would shred
 * ordinary words in every message; such a config fails validation or authentication anyway.
 */
const MIN_SECRET_LENGTH = 8;

export function registerSecret(value: unknown): void {
  if (typeof value !== 'string' || value.trim().length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  // HTTP libraries may render the value URL-encoded or inside a Basic/Bearer header.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
}

export function filterSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

/** Only for tests that run several connectors in one process. */
export function clearSecrets(): void {
  secrets.clear();
}
