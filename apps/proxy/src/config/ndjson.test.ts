import { describe, expect, it } from 'vitest';
import { readLines } from './ndjson.js';

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

async function collect(gen: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of gen) out.push(line);
  return out;
}

describe('readLines', () => {
  it('splits lines across chunk boundaries and skips blank lines', async () => {
    expect(await collect(readLines(chunks('{"a":', '1}\n\n{"b"', ':2}\n{"c":3}')))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = new TextEncoder().encode('"é"\n');
    expect(await collect(readLines(chunks(bytes.slice(0, 2), bytes.slice(2))))).toEqual(['"é"']);
  });

  it('refuses an unbounded line', async () => {
    await expect(collect(readLines(chunks('x'.repeat(100)), 10))).rejects.toThrow(/longer than/);
  });
});
