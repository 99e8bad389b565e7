import { type AdaClient } from '../ada-client.js';
import { type Channel } from '../generated/records.js';
import { adaList } from './list-stream.js';

/** Channels. Ada requires `type`, so the whole list takes one partition per type. */
export function channels(client: AdaClient) {
  return adaList<Channel>(
    {
      name: 'channels',
      path: '/api/v2/channels/',
      group: 'default',
      key: 'id',
      paging: 'cursor',
      partitions: [
        { key: 'type=custom', value: { type: 'custom' } },
        { key: 'type=native', value: { type: 'native' } },
      ],
    },
    client,
  );
}
