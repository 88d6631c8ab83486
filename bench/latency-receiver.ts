/**
 * An insurer's webhook endpoint on loopback: checks each delivery's signature with the recipe of
 * docs/webhooks.md (written out here, not liftwatch's own code), notes when it arrived, answers 204.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookBody } from '../contract/index.js';

/** docs/webhooks.md: refuse timestamps more than five minutes from our clock. */
const TOLERANCE_SECONDS = 300;
const NO_CONTENT = 204;

export interface Delivery {
  /** Date.now() when the whole body was in. */
  readonly receivedAt: number;
  readonly signatureValid: boolean;
  readonly body: WebhookBody;
}

export interface Receiver {
  readonly url: string;
  /** The insurer's secret, known once the insurer is created (with this receiver's URL). */
  setSecret(secret: string): void;
  close(): Promise<void>;
}

function signatureValid(secret: string, headers: http.IncomingHttpHeaders, raw: string): boolean {
  const timestamp = String(headers['x-liftwatch-timestamp']);
  if (!(Math.abs(Date.now() / 1000 - Number(timestamp)) <= TOLERANCE_SECONDS)) return false;
  const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
  const given = String(headers['x-liftwatch-signature'] ?? '');
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export async function startReceiver(onDelivery: (delivery: Delivery) => void): Promise<Receiver> {
  let secret = '';
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const receivedAt = Date.now();
      const raw = Buffer.concat(chunks).toString('utf8');
      response.writeHead(NO_CONTENT).end();
      onDelivery({
        receivedAt,
        signatureValid: signatureValid(secret, request.headers, raw),
        body: JSON.parse(raw) as WebhookBody,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/liftwatch`,
    setSecret: (value) => (secret = value),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
