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
if (cli.options.manifests !== undefined) {
  const manifests = await stat(cli.options.manifests).catch(() => undefined);
  if (!manifests?.isDirectory()) {
    console.error(`portico-api: --manifests ${cli.options.manifests} is not a directory`);
    process.exit(2);
  }
}
if (cli.options.kubeconfig !== undefined) {
  const kubeconfig = await stat(cli.options.kubeconfig).catch(() => undefined);
  if (!kubeconfig?.isFile()) {
    console.error(`portico-api: --kubeconfig ${cli.options.kubeconfig} is not a file`);
    process.exit(2);
  }
}

const api = await startApi(cli.options).catch((error: unknown) => {
  // e.g. a kubeconfig without a current context, or an unreadable service account token
  console.error(`portico-api: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
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
