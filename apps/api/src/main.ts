#!/usr/bin/env node
import { stat } from 'node:fs/promises';
import { startApi } from './app.js';
import { parseCli, USAGE } from './cli-options.js';

const cli = parseCli(process.argv.slice(2), process.env);
if (cli.kind === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (cli.kind === 'error') {
  console.error(`portico-api: ${cli.message}\n\n${USAGE}`);
  process.exit(2);
}

// A typo in the path should stop the start, not serve an empty routing table; later disappearances are tolerated.
const manifests = await stat(cli.options.manifests).catch(() => undefined);
if (!manifests?.isDirectory()) {
  console.error(`portico-api: --manifests ${cli.options.manifests} is not a directory`);
  process.exit(2);
}

const api = await startApi(cli.options);
const shutDown = (): void => {
  api.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('portico-api: shutdown failed', error);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', shutDown);
process.once('SIGINT', shutDown);
