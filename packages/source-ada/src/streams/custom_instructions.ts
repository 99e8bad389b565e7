import { type AdaClient } from '../ada-client.js';
import { type CustomInstruction } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Custom instructions, enabled and disabled alike, in id order. */
export function customInstructions(client: AdaClient) {
  return adaList<CustomInstruction>({ name: 'custom_instructions', path: '/api/v2/custom-instructions/', group: 'default', key: 'id', paging: 'cursor' }, client);
}
