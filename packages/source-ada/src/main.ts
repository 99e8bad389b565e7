import { main } from '@ada-airbyte/core';
import { sourceAda } from './source.js';

main(sourceAda);
