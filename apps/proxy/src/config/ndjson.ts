/** Longest line accepted from the config stream; a table for thousands of routes fits comfortably. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Splits a byte stream into lines (without the newline), decoding UTF-8 across chunk boundaries. */
export async function* readLines(body: AsyncIterable<Uint8Array>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield line;
    }
    if (pending.length > maxLineBytes) throw new Error(`config stream line longer than ${maxLineBytes} bytes`);
  }
  pending += decoder.decode();
  if (pending.trim()) yield pending.trim();
}
