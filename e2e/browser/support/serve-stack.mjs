// Playwright's webServer: a fresh data directory every run (the demo is seeded anew, tokens are new), then the
// standalone launcher on the browser tests' ports. Signals reach the launcher, which stops everything it started.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

const [dataDir, ...launcherArgs] = process.argv.slice(2);
rmSync(dataDir, { recursive: true, force: true });
const launcher = spawn(process.execPath, [resolve(import.meta.dirname, '../../../tools/start.mjs'), ...launcherArgs], {
  stdio: 'inherit',
  env: { ...process.env, PORTICO_DATA_DIR: dataDir },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => launcher.kill(signal));
launcher.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
