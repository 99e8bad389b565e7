import { PassThrough } from 'node:stream';
import { MessageWriter } from '../../src/output.js';
import { validateMessage } from '../../src/protocol/validate.js';

/**
 * A MessageWriter over a PassThrough that is read back explicitly (paused mode), so that what a
 * test sees after `await writer.flush()` is exactly what the writer handed over; no timing involved.
 */
export interface Capture {
  writer: MessageWriter;
  stream: PassThrough;
  /** Everything written so far (drains the PassThrough). */
  text(): string;
  lines(): string[];
  messages(): Array<Record<string, any>>;
}

export function capture(debug = false): Capture {
  // A high-water mark larger than any test output, so writes are accepted without a reader.
  const stream = new PassThrough({ highWaterMark: 64 * 1024 * 1024 });
  let seen = '';
  const text = (): string => {
    let chunk: Buffer | null;
    while ((chunk = stream.read() as Buffer | null) !== null) seen += chunk.toString('utf8');
    return seen;
  };
  const lines = (): string[] => text().split('\n').filter((l) => l.length > 0);
  return {
    writer: new MessageWriter(stream, debug),
    stream,
    text,
    lines,
    messages: () => lines().map((l) => JSON.parse(l) as Record<string, any>),
  };
}

/** Asserts every line is one JSON AirbyteMessage valid against the vendored protocol schema. */
export function invalidLines(lines: string[]): Array<{ line: string; errors: string[] }> {
  const bad: Array<{ line: string; errors: string[] }> = [];
  for (const line of lines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      bad.push({ line, errors: [`not JSON: ${(error as Error).message}`] });
      continue;
    }
    const result = validateMessage(parsed);
    if (!result.valid) bad.push({ line, errors: result.errors });
  }
  return bad;
}
