import fs from 'node:fs';
import readline from 'node:readline';
import { z } from 'zod';
import { elevatorRegistrationSchema } from '../contract/index.js';

/**
 * A trace: what a broker carried, one JSON line per message with its arrival time, so it can
 * be published again later. The first line says what it is; registry lines carry the
 * elevators' registry rows so a replay can register them in a fresh system.
 */
export const TRACE_VERSION = 1;

const headerSchema = z.object({
  liftwatchTrace: z.literal(TRACE_VERSION),
  recordedAt: z.iso.datetime(),
  source: z.string(),
});
const messageSchema = z.union([
  z.object({ t: z.int(), topic: z.string(), payload: z.string() }),
  z.object({ t: z.int(), topic: z.string(), payload64: z.base64() }),
]);
const registrySchema = z.object({ registry: elevatorRegistrationSchema });

export type TraceMessage = { readonly t: number; readonly topic: string; readonly payload: Buffer };
export type TraceRegistration = z.infer<typeof registrySchema>['registry'];

/** UTF-8 text when the payload is text, else base64. */
function payloadField(payload: Buffer): { payload: string } | { payload64: string } {
  const text = payload.toString('utf8');
  return Buffer.from(text, 'utf8').equals(payload) ? { payload: text } : { payload64: payload.toString('base64') };
}

export class TraceWriter {
  private readonly stream: fs.WriteStream;

  constructor(file: string, source: string) {
    this.stream = fs.createWriteStream(file);
    this.line({ liftwatchTrace: TRACE_VERSION, recordedAt: new Date().toISOString(), source });
  }

  message(t: number, topic: string, payload: Buffer): void {
    this.line({ t, topic, ...payloadField(payload) });
  }

  registry(registration: TraceRegistration): void {
    this.line({ registry: registration });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  private line(value: object): void {
    this.stream.write(`${JSON.stringify(value)}\n`);
  }
}

export class TraceError extends Error {
  override readonly name = 'TraceError';
}

export interface Trace {
  readonly source: string;
  readonly messages: TraceMessage[];
  readonly registrations: Map<string, TraceRegistration>;
}

/** Reads a whole trace; a line that is not one of the trace's lines is an error naming it. */
export async function readTrace(file: string): Promise<Trace> {
  if (!fs.existsSync(file)) throw new TraceError(`No trace file ${file}`);
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  const messages: TraceMessage[] = [];
  const registrations = new Map<string, TraceRegistration>();
  let source: string | null = null;
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new TraceError(`${file}:${number} is not JSON`);
    }
    if (source === null) {
      const header = headerSchema.safeParse(json);
      if (!header.success)
        throw new TraceError(
          `${file} is not a liftwatch trace (version ${TRACE_VERSION}): its first line says ${line.slice(0, 80)}`,
        );
      source = header.data.source;
      continue;
    }
    const registry = registrySchema.safeParse(json);
    if (registry.success) {
      registrations.set(registry.data.registry.id, registry.data.registry);
      continue;
    }
    const message = messageSchema.safeParse(json);
    if (!message.success) throw new TraceError(`${file}:${number} is neither a message nor a registry line`);
    const data = message.data;
    const payload = 'payload' in data ? Buffer.from(data.payload, 'utf8') : Buffer.from(data.payload64, 'base64');
    messages.push({ t: data.t, topic: data.topic, payload });
  }
  if (source === null) throw new TraceError(`${file} is empty`);
  return { source, messages, registrations };
}
