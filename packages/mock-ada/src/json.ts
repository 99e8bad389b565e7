/**
 * JSON, ASCII-only, as Python's json.dumps writes by default (Ada's stack is Python: note the
 * "None" strings). ASCII output also lets pages be copied into buffers as Latin-1, byte for byte.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
