import net from 'node:net';

/**
 * The host to put in a URL for reaching a listener bound to `host`: 0.0.0.0 and :: mean
 * "every address of this machine", so clients on it use loopback; IPv6 goes in brackets.
 */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Ports handed out below Linux's ephemeral range (32768-60999): a port from that range can be
 * taken by any outgoing connection between our check and influxd's bind, and under load it was.
 */
const LISTEN_PORTS = { from: 20_000, to: 32_000 } as const;
const PORT_TRIES = 50;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port free on loopback right now, for programs that cannot be told to pick one (influxd). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < PORT_TRIES; tries++) {
    const port = LISTEN_PORTS.from + Math.floor(Math.random() * (LISTEN_PORTS.to - LISTEN_PORTS.from));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port between ${LISTEN_PORTS.from} and ${LISTEN_PORTS.to}`);
}
