import dns from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { addressMatcher } from '../lib/address-list.js';
import { LiftwatchError } from '../lib/errors.js';

/**
 * Where webhooks may not go: addresses of this machine, its networks and the cloud's metadata
 * service, which an insurer's URL would otherwise reach with liftwatch's network position
 * (the embedded influxd's `/query` on loopback, say). IANA's special-purpose registries.
 */
const REFUSED_RANGES: ReadonlyArray<{
  readonly kind: string;
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}> = [
  { kind: 'unspecified', v4: ['0.0.0.0/8'], v6: ['::/128'] },
  { kind: 'loopback', v4: ['127.0.0.0/8'], v6: ['::1/128'] },
  { kind: 'private', v4: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], v6: ['fc00::/7'] },
  { kind: 'shared address space (carrier-grade NAT)', v4: ['100.64.0.0/10'], v6: [] },
  { kind: 'link-local', v4: ['169.254.0.0/16'], v6: ['fe80::/10'] },
  { kind: 'multicast', v4: ['224.0.0.0/4'], v6: ['ff00::/8'] },
  {
    kind: 'reserved',
    // Protocol assignments, documentation, the 6to4 relay, benchmarking, class E with the broadcast address.
    v4: [
      '192.0.0.0/24',
      '192.0.2.0/24',
      '192.88.99.0/24',
      '198.18.0.0/15',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '240.0.0.0/4',
    ],
    // Local-use NAT64, discard-only, protocol assignments (Teredo among them), documentation, SRv6, site-local.
    v6: ['64:ff9b:1::/48', '100::/64', '2001::/23', '2001:db8::/32', '3fff::/20', '5f00::/16', 'fec0::/10'],
  },
];

/**
 * IPv6 that may be an internet host: global unicast, and the IPv4-mapped and NAT64 forms, whose
 * IPv4 address is checked as such. The rest (IPv4-compatible ::a.b.c.d, unassigned space) is reserved.
 */
const ROUTABLE_V6 = ['2000::/3', '::ffff:0:0/96', '64:ff9b::/96'];

/**
 * An IPv4 subnet as NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses carry it: packets to those
 * end up at the IPv4 address. IPv4-mapped addresses need nothing: BlockList's IPv4 rules match them.
 */
function carriedInV6(v4Subnet: string): string[] {
  const [address = '', prefixText = '32'] = v4Subnet.split('/');
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  const prefix = Number(prefixText);
  const groups = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return [`64:ff9b::${groups}/${96 + prefix}`, `2002:${groups}::/${16 + prefix}`];
}

const REFUSED = REFUSED_RANGES.map(({ kind, v4, v6 }) => ({
  kind,
  matches: addressMatcher([...v4, ...v4.flatMap(carriedInV6), ...v6]),
}));
const routableV6 = addressMatcher(ROUTABLE_V6);

/** How long registration waits for a webhook host's name to resolve; each delivery resolves it again anyway. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

/** Default of LW_OUTBOUND_ALLOW: no refused address is allowed. */
export const DEFAULT_OUTBOUND_ALLOW: readonly string[] = [];

/** A name's addresses, as dns.lookup gives them with `all: true`. */
export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>;

/** The system's resolver, which every connection of this process would otherwise use. */
const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface OutboundOptions {
  /** Subnets webhooks may reach although refused above (LW_OUTBOUND_ALLOW). Default DEFAULT_OUTBOUND_ALLOW. */
  readonly allow?: readonly string[];
  /** Resolves receivers' names. Default the system's resolver (dns.lookup). */
  readonly resolve?: Resolve;
  /** How long checkUrl waits for `resolve`. Default DEFAULT_LOOKUP_TIMEOUT_MS. */
  readonly lookupTimeoutMs?: number;
}

export interface OutboundPolicy {
  /** Why liftwatch does not send to this IP address (`127.0.0.1 is loopback`), or null when it may. */
  refusal(address: string): string | null;
  /**
   * At registration: throws LW_ERR_WEBHOOK_REFUSED when the URL's host is a refused address, or
   * a name that resolves only to refused ones. A name that does not resolve now is taken: each
   * delivery checks again.
   */
  checkUrl(url: string): Promise<void>;
  /** Throws LW_ERR_WEBHOOK_REFUSED when `host` is a refused address; says whether it is an address at all. */
  checkAddress(host: string): boolean;
  /** For a connection: the name's addresses that are not refused; LW_ERR_WEBHOOK_REFUSED when none is. */
  lookup: net.LookupFunction;
}

const ALLOW_HINT = 'liftwatch sends webhooks to public addresses only, unless LW_OUTBOUND_ALLOW covers the address';

/** `[::1]` as URL.hostname spells it, to `::1`. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

export function outboundPolicy({
  allow = DEFAULT_OUTBOUND_ALLOW,
  resolve = systemResolve,
  lookupTimeoutMs = DEFAULT_LOOKUP_TIMEOUT_MS,
}: OutboundOptions = {}) {
  const allowed = addressMatcher(allow);

  /** What kind of refused address this is (`loopback`), or null when liftwatch may send to it. */
  const refusedKind = (address: string): string | null => {
    // A scope (fe80::1%eth0) says which interface, not which address.
    const bare = address.replace(/%.*$/, '');
    if (net.isIP(bare) === 0) return 'not an IP address';
    if (allowed(bare)) return null;
    const range = REFUSED.find(({ matches }) => matches(bare));
    if (range) return range.kind;
    return net.isIPv6(bare) && !routableV6(bare) ? 'reserved' : null;
  };
  const refusal = (address: string): string | null => {
    const kind = refusedKind(address);
    return kind === null ? null : `${address} is ${kind}`;
  };

  const refusedName = (hostname: string, addresses: readonly LookupAddress[]) => {
    const named = addresses.map(({ address }) => `${address} (${refusedKind(address) ?? 'allowed'})`);
    return new LiftwatchError(
      'LW_ERR_WEBHOOK_REFUSED',
      `${hostname} resolves only to ${named.join(', ') || 'no address'}: ${ALLOW_HINT}`,
    );
  };

  /** The addresses of `hostname` liftwatch may connect to; throws when there are none. */
  const permitted = async (hostname: string): Promise<LookupAddress[]> => {
    const addresses = await resolve(hostname);
    const usable = addresses.filter(({ address }) => refusal(address) === null);
    if (usable.length === 0) throw refusedName(hostname, addresses);
    return usable;
  };

  const checkAddress = (host: string): boolean => {
    if (net.isIP(host) === 0) return false;
    const reason = refusal(host);
    if (reason !== null) throw new LiftwatchError('LW_ERR_WEBHOOK_REFUSED', `${reason}: ${ALLOW_HINT}`);
    return true;
  };

  const checkUrl = async (url: string): Promise<void> => {
    const host = bareHost(new URL(url).hostname);
    if (checkAddress(host)) return;
    let addresses: readonly LookupAddress[];
    const timer = new AbortController();
    try {
      // A resolver that does not answer must not hold the admin's request: the name counts as not resolving now.
      addresses = await Promise.race([
        resolve(host),
        sleep(lookupTimeoutMs, undefined, { signal: timer.signal }).then(() => {
          throw new Error('lookup timed out');
        }),
      ]);
    } catch {
      return;
    } finally {
      timer.abort();
    }
    if (addresses.length > 0 && addresses.every(({ address }) => refusal(address) !== null)) {
      throw refusedName(host, addresses);
    }
  };

  // net calls this for names (never for literal addresses): what it connects to is what was checked here.
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    permitted(hostname).then(
      (addresses) => {
        const [first] = addresses as [LookupAddress];
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  return { refusal, checkUrl, checkAddress, lookup } satisfies OutboundPolicy;
}

export interface OutboundPost {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

export interface OutboundAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
}

const CLIENTS: Readonly<Record<string, typeof http | typeof https>> = { 'http:': http, 'https:': https };

/** HTTP and HTTPS connections kept open between deliveries; destroy() when done. */
export function outboundAgents() {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return {
    ...agents,
    destroy: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
export type OutboundAgents = ReturnType<typeof outboundAgents>;

/**
 * POSTs to `url` with the URL's name in the Host header and TLS SNI, connecting only to an address
 * `policy` permits (checked literally, or by its lookup when resolved); follows no redirect. The
 * answer's body is read and dropped.
 */
export async function post(
  url: string,
  request: OutboundPost,
  policy: OutboundPolicy,
  agents: OutboundAgents,
): Promise<OutboundAnswer> {
  const target = new URL(url);
  const client = CLIENTS[target.protocol];
  if (!client) throw new LiftwatchError('LW_ERR_WEBHOOK_REFUSED', `${target.protocol} is not http: or https:`);
  const host = bareHost(target.hostname);
  policy.checkAddress(host);
  const secure = client === https;
  const signal = AbortSignal.timeout(request.timeoutMs);
  // Aborted, the request fails with a bare AbortError: the signal's reason says it was the timeout.
  const failure = (error: unknown) => (signal.aborted ? signal.reason : error);
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const outgoing = client.request(
      {
        method: 'POST',
        hostname: host,
        port: target.port === '' ? undefined : Number(target.port),
        // Only the path and query: credentials in a URL are never sent (the contract refuses them).
        path: `${target.pathname}${target.search}`,
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: secure ? agents.https : agents.http,
        lookup: policy.lookup,
        signal,
      },
      resolve,
    );
    outgoing.once('error', (error) => reject(failure(error)));
    outgoing.end(request.body);
  });
  await finished(response.resume()).catch((error: unknown) => {
    throw failure(error);
  });
  return { status: response.statusCode ?? 0, headers: response.headers };
}
