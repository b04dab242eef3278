import { EventEmitter } from 'node:events';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileStore, WatchDirectory } from '../src/sources/file-store/file-store.js';
import { useFileStore } from './file-store-fixture.js';
import { waitFor, yamlDoc } from './helpers.js';

/**
 * How the file store turns watcher events into reads: only the files an event names, everything when an event cannot
 * say (or names a directory or a dotted path), and everything periodically. A hand-driven watcher makes the events
 * exact, so a test can tell a targeted read from a full one by what a rescan does not see.
 */
describe('FileStore events', () => {
  const fixture = useFileStore();
  const start = fixture.start;
  const file = (...names: string[]) => path.join(fixture.dir, ...names);

  /** A watcher that reports only what the test tells it to. */
  const handWatcher = () => {
    let report: (file: string | undefined) => void = () => undefined;
    const watchDirectory: WatchDirectory = (_directory, onEvent) => {
      report = onEvent;
      return Object.assign(new EventEmitter(), { close: () => undefined });
    };
    return { watchDirectory, report: (file?: string) => report(file) };
  };
  const services = (s: FileStore) => s.snapshot().services.map((o) => o.metadata?.name).sort();
  const writeServices = async (count: number, suffix = '') => {
    for (let i = 0; i < count; i++) await writeFile(file(`f${i}.yaml`), yamlDoc('Service', `s${i}${suffix}`));
  };

  it('re-reads only the file an event names, and everything for an event without a name', async () => {
    await writeServices(30);
    const watcher = handWatcher();
    const s = await start({ watchDirectory: watcher.watchDirectory });

    await writeFile(file('f17.yaml'), yamlDoc('Service', 'edited17'));
    await writeFile(file('f3.yaml'), yamlDoc('Service', 'edited3')); // a change no event reports
    watcher.report('f17.yaml');
    await s.settled();
    expect(services(s)).toContain('edited17');
    expect(services(s)).toContain('s3'); // not read: the proof that the rescan was targeted

    watcher.report(undefined);
    await s.settled();
    expect(services(s)).toContain('edited3');
    expect(services(s)).toHaveLength(30);
  });

  it('reads everything when a named path cannot be examined (not merely gone)', async () => {
    await writeServices(3);
    const watcher = handWatcher();
    const s = await start({ watchDirectory: watcher.watchDirectory });
    await writeFile(file('f1.yaml'), yamlDoc('Service', 'unreported'));
    watcher.report(`${'x'.repeat(300)}.yaml`); // stat fails with ENAMETOOLONG, as it would with EACCES for a non-root API
    await s.settled();
    expect(services(s)).toContain('unreported');
  });

  it('coalesces a burst of events across files into one change that has every edit', async () => {
    await writeServices(10);
    const watcher = handWatcher();
    const s = await start({ watchDirectory: watcher.watchDirectory });
    let changes = 0;
    s.onChange(() => changes++);

    await writeServices(10, '-v2');
    for (let i = 0; i < 10; i++) watcher.report(`f${i}.yaml`);
    await s.settled();
    expect(changes).toBe(1);
    expect(services(s)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}-v2`).sort());
  });

  it('drops a file an event names once it is gone, and ignores names that are not manifests', async () => {
    await writeServices(3);
    const watcher = handWatcher();
    const s = await start({ watchDirectory: watcher.watchDirectory });
    let changes = 0;
    s.onChange(() => changes++);

    await writeFile(file('notes.txt'), yamlDoc('Service', 'not-a-manifest'));
    watcher.report('notes.txt');
    await s.settled();
    expect(changes).toBe(0);

    await rename(file('f1.yaml'), file('moved.yaml'));
    watcher.report('f1.yaml');
    watcher.report('moved.yaml');
    await s.settled();
    expect(services(s)).toEqual(['s0', 's1', 's2']);
    expect(s.locate({ kind: 'Service', namespace: 'default', name: 's1' })?.file).toBe('moved.yaml');
  });

  it('reads everything when an event names a directory: its files were never named', async () => {
    await writeServices(1);
    const watcher = handWatcher();
    const s = await start({ watchDirectory: watcher.watchDirectory });
    const outside = `${fixture.dir}-staging`;
    await mkdir(outside);
    await writeFile(path.join(outside, 'a.yaml'), yamlDoc('Service', 'moved-in-a'));
    await writeFile(path.join(outside, 'b.yaml'), yamlDoc('Service', 'moved-in-b'));
    await rename(outside, file('team'));
    watcher.report('team');
    await s.settled();
    expect(services(s)).toEqual(['moved-in-a', 'moved-in-b', 's0']);
  });

  it('follows a ConfigMap volume update: the `..data` symlink swapped, the visible files unchanged', async () => {
    // The kubelet's layout: a.yaml → ..data/a.yaml, ..data → a timestamped directory, replaced by one rename.
    await mkdir(file('..2026_1'));
    await writeFile(file('..2026_1', 'a.yaml'), yamlDoc('Service', 'v1'));
    await symlink('..2026_1', file('..data'));
    await symlink('..data/a.yaml', file('a.yaml'));
    const s = await start(); // the real watcher: no event names a.yaml
    expect(services(s)).toEqual(['v1']);

    await mkdir(file('..2026_2'));
    await writeFile(file('..2026_2', 'a.yaml'), yamlDoc('Service', 'v2'));
    await symlink('..2026_2', file('..data_tmp'));
    await rename(file('..data_tmp'), file('..data'));
    await waitFor(() => services(s)[0] === 'v2', 'the swapped ConfigMap content');
  });

  it('converges without any event, through the periodic full rescan', async () => {
    await writeServices(2);
    const silent = handWatcher();
    const s = await start({ watchDirectory: silent.watchDirectory, fullRescanIntervalMs: 50 });
    await writeFile(file('late.yaml'), yamlDoc('Service', 'unreported'));
    await waitFor(() => services(s).includes('unreported'), 'the periodic rescan');
  });

  it('with the real watcher, picks up an edit to one of many files', async () => {
    await writeServices(50);
    const s = await start();
    await writeFile(file('f42.yaml'), yamlDoc('Service', 'edited42'));
    await waitFor(() => services(s).includes('edited42'), 'the edit');
    expect(services(s)).toHaveLength(50);
  });
});
