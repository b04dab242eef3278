import type { StreamMessage } from '@portico/model';
import { waitFor } from './helpers.js';

/** Reads a config stream the way a proxy would, keeping every message for assertions. */
export class NdjsonClient {
  readonly messages: StreamMessage[] = [];
  private readonly controller = new AbortController();
  private closed = false;

  private constructor(readonly response: Response) {}

  static async open(url: string, token: string): Promise<NdjsonClient> {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const client = new NdjsonClient(response);
    client.controller.signal.addEventListener('abort', () => controller.abort());
    void client.pump();
    return client;
  }

  /** Waits for a message after index `from` that matches. */
  async next(match: (message: StreamMessage) => boolean, what: string, from = 0, timeoutMs = 5000): Promise<StreamMessage> {
    return waitFor(() => this.messages.slice(from).find(match), what, timeoutMs);
  }

  close(): void {
    this.controller.abort();
  }

  get ended(): boolean {
    return this.closed;
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of this.response.body!) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim()) this.messages.push(JSON.parse(line) as StreamMessage);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      this.closed = true;
    }
  }
}
