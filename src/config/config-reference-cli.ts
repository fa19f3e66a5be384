import { renderConfigReference } from './config-reference';

process.stdout.write(renderConfigReference());
