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

/** A port free on loopback right now, for programs that cannot be told to pick one (influxd). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
