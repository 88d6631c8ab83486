/**
 * A DevTools protocol session with a node process started with --inspect=127.0.0.1:PORT: a
 * full garbage collection on demand and its JS heap, so memory per connection is read from a
 * settled heap rather than from whatever garbage the connecting left behind.
 */
import WebSocket from 'ws';

export interface Inspector {
  collectGarbage(): Promise<void>;
  /** V8's used heap, MB. */
  heapUsedMb(): Promise<number>;
  close(): void;
}

const MB = 1024 * 1024;

export async function openInspector(port: number): Promise<Inspector> {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  if (!target) throw new Error(`no inspector target on 127.0.0.1:${port}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown> };
    if (message.id !== undefined) pending.get(message.id)?.(message.result ?? {});
  });
  let lastId = 0;
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++lastId;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method }));
    });
  return {
    collectGarbage: async () => void (await call('HeapProfiler.collectGarbage')),
    heapUsedMb: async () => Number((await call('Runtime.getHeapUsage')).usedSize) / MB,
    close: () => socket.close(),
  };
}
