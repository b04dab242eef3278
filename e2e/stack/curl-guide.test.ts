import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Launcher } from '../support/launcher.js';

const GUIDE = resolve(import.meta.dirname, '../../docs/admin-api.md');

/** The guide's runnable steps: its ```bash blocks, in order (```sh blocks are set-up the test does itself). */
function guideSteps(): Array<{ heading: string; script: string }> {
  const steps: Array<{ heading: string; script: string }> = [];
  let heading = '';
  for (const match of readFileSync(GUIDE, 'utf8').matchAll(/^## (.+)$|^```bash\n([\s\S]*?)^```$/gm)) {
    if (match[1]) heading = match[1];
    else steps.push({ heading, script: match[2]! });
  }
  return steps;
}

/**
 * docs/admin-api.md promises that everything FSM's docs do with kubectl and the fsm CLI can be done with curl and the
 * admin API. Each of its bash blocks runs here, as written, against `npm start`'s demo: a block that fails, or whose
 * effect is not what the guide says, fails the test.
 */
describe('the curl guide (docs/admin-api.md) against npm start', () => {
  let launcher: Launcher;
  const outputs = new Map<string, string>();

  beforeAll(async () => {
    launcher = await Launcher.start({ http: 18200, https: 18543, admin: 19290, proxyAdmin: 19291 });
    const env = {
      ...process.env,
      API: launcher.adminUrl,
      TOKEN: launcher.token('admin'),
      HTTP: String(launcher.ports.http),
      HTTPS: String(launcher.ports.https),
    };
    for (const { heading, script } of guideSteps()) {
      const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { env, encoding: 'utf8', timeout: 30_000 });
      if (run.status !== 0) throw new Error(`step "${heading}" failed (${run.status}):\n${script}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
      outputs.set(heading, (outputs.get(heading) ?? '') + run.stdout);
    }
  }, 120_000);

  afterAll(async () => {
    await launcher?.stop();
  });

  const output = (headingStart: string) => {
    const entry = [...outputs].find(([heading]) => heading.startsWith(headingStart));
    expect(entry, `a guide section starting "${headingStart}"`).toBeDefined();
    return entry![1];
  };

  it('has runnable steps for each FSM task', () => {
    expect(guideSteps().length).toBeGreaterThanOrEqual(8);
  });

  it('creates an Ingress the proxy serves, and refuses a bad one naming the field', () => {
    const basics = output('Route a host');
    expect(basics).toContain('Hi, there!');
    expect(basics).toMatch(/"diagnostics": \[\]/);
    // 422: well-formed JSON, but not a valid Ingress; only the reason that applies.
    expect(basics).toMatch(/"status": 422[\s\S]*spec\.rules\[0\]\.http\.paths\[0\]\.path[\s\S]*must be an absolute path/);
    expect(basics).not.toContain('percent-encoding');
  });

  it("applies FSM's rewrite annotation and explains the decision", () => {
    expect(output("FSM's annotations")).toContain('Hi, there!');
    const explained = output('Why did a request');
    expect(explained).toContain('"upstreamPath": "/hi"');
    expect(explained).toContain('"outcome": "proxied"');
  });

  it('terminates TLS with the certificate made through the API', () => {
    const tls = output('Terminate TLS');
    expect(tls).toMatch(/subject=CN\s*=\s*shop\.localhost/);
    expect(tls).toContain('"mode": "terminated"');
  });

  it("passes one host through: the client sees the backend's certificate", () => {
    const passthrough = output('Pass one host');
    expect(passthrough).toMatch(/subject=CN\s*=\s*tls\.demo\.localhost/);
    expect(passthrough).toMatch(/"written": true[\s\S]*"written": true/);
  });

  it('changes a controller switch live, and back', () => {
    const settings = output('Controller switches');
    expect(settings).toMatch(/^403$/m);
    expect(settings).toMatch(/"applied": true[\s\S]*"applied": true/);
  });

  it('reads diagnostics, traffic, the audit log and live events, then cleans up', () => {
    const reading = output('What is wrong');
    expect(reading).toMatch(/"host": "shop\.localhost"/);
    expect(reading).toMatch(/^event: /m);
    expect(output('Clean up')).toContain('"deleted": "shop"');
  });
});
