import net from 'node:net';

const PREFIX_BITS = { ipv4: 32, ipv6: 128 } as const;

export interface Subnet {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** `192.0.2.7`, `10.0.0.0/8`, `::1` or `fd00::/8`; null for anything else. */
export function parseSubnet(text: string): Subnet | null {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const version = net.isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, prefix: PREFIX_BITS[family], family };
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > PREFIX_BITS[family]) return null;
  return { address, prefix, family };
}

/** Whether an address is in one of `subnets` (IPv4-mapped IPv6 addresses count as IPv4). Throws on a bad subnet. */
export function addressMatcher(subnets: readonly string[]): (address: string | undefined) => boolean {
  const list = new net.BlockList();
  for (const text of subnets) {
    const subnet = parseSubnet(text);
    if (!subnet) throw new Error(`not an address or subnet: ${text}`);
    list.addSubnet(subnet.address, subnet.prefix, subnet.family);
  }
  return (address) => {
    const version = address === undefined ? 0 : net.isIP(address);
    return version !== 0 && list.check(address as string, version === 4 ? 'ipv4' : 'ipv6');
  };
}
