import { describe, expect, it } from 'vitest';
import { addressMatcher, parseSubnet } from '../../lib/address-list.js';
import { BoundedMap } from '../../broker/bounded-map.js';
import { FRAME_START, scanFrames, type FrameVerdict } from '../../broker/frame-guard.js';
import { checkCertificateName, checkPayloadSize, clampKeepalive } from '../../broker/hooks/limits.js';
import { isFull, takeToken, type Bucket } from '../../broker/hooks/token-bucket.js';
import { rawSubscribe } from '../helpers/raw-mqtt.js';

describe('scanFrames', () => {
  const MAX = 300;
  /** A PUBLISH-typed packet with `length` body bytes and its remaining length encoded. */
  const packet = (length: number) => {
    const header = [0x30];
    let rest = length;
    do {
      const byte = rest % 128;
      rest = Math.floor(rest / 128);
      header.push(rest > 0 ? byte | 0x80 : byte);
    } while (rest > 0);
    return Buffer.concat([Buffer.from(header), Buffer.alloc(length, 1)]);
  };

  it('passes packets up to the limit, however the stream is cut', () => {
    const stream = Buffer.concat([packet(0), packet(127), packet(128), packet(MAX), packet(5)]);
    for (const size of [1, 2, 3, 7, 130, stream.length]) {
      let state = FRAME_START;
      for (let at = 0; at < stream.length; at += size) {
        const result = scanFrames(state, stream.subarray(at, at + size), MAX);
        expect(result.verdict).toBe('ok');
        state = result.state;
      }
      expect(state).toMatchObject({ skip: 0, headerBytes: 0 });
    }
  });

  it('refuses a packet over the limit at its length bytes, before its body', () => {
    expect(scanFrames(FRAME_START, packet(MAX + 1).subarray(0, 3), MAX).verdict).toBe('too-large');
    // a length still being read is what its bytes so far say: 127 and more is not yet over 300, 3 × 128 is
    expect(scanFrames(FRAME_START, Buffer.from([0x30, 0xff]), MAX).verdict).toBe('ok');
    expect(scanFrames(FRAME_START, Buffer.from([0x30, 0x80, 0x03]), MAX).verdict).toBe('too-large');
    expect(scanFrames(FRAME_START, Buffer.concat([packet(10), Buffer.from([0x30, 0xff, 0xff])]), MAX).verdict).toBe(
      'too-large',
    );
  });

  it('reads a SUBSCRIBE whole, however it is cut, and refuses it at its last byte when a filter is not UTF-8', () => {
    const good = rawSubscribe(1, ['elevators/E1/commands']);
    const bad = rawSubscribe(2, [Buffer.from([0x65, 0xc0, 0x80])]);
    const verdictOf = (stream: Buffer, size: number): FrameVerdict => {
      let state = FRAME_START;
      for (let at = 0; at < stream.length; at += size) {
        const result = scanFrames(state, stream.subarray(at, at + size), MAX);
        if (result.verdict !== 'ok') return result.verdict;
        state = result.state;
      }
      return 'ok';
    };
    for (const size of [1, 2, 5, 1000]) {
      expect(verdictOf(Buffer.concat([good, packet(3), good]), size)).toBe('ok');
      expect(verdictOf(Buffer.concat([good, bad.subarray(0, -1)]), size)).toBe('ok');
      expect(verdictOf(Buffer.concat([good, bad, packet(3)]), size)).toBe('malformed');
    }
  });

  it('refuses a remaining length of more than four bytes', () => {
    expect(scanFrames(FRAME_START, Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), MAX).verdict).toBe('malformed');
  });
});

describe('takeToken', () => {
  const rate = { perSecond: 2, burst: 3 };

  it('starts full, refuses once empty, and refills at the rate up to the burst', () => {
    let bucket: Bucket | undefined;
    const take = (now: number) => {
      const result = takeToken(bucket, rate, now);
      bucket = result.bucket;
      return result.allowed;
    };
    expect([take(0), take(0), take(0), take(0)]).toEqual([true, true, true, false]);
    expect(take(499)).toBe(false);
    expect(take(500)).toBe(true);
    expect(isFull(bucket as Bucket, rate, 1000)).toBe(false);
    expect(isFull(bucket as Bucket, rate, 60_000)).toBe(true);
    expect([take(60_000), take(60_000), take(60_000), take(60_000)]).toEqual([true, true, true, false]);
  });
});

describe('limits', () => {
  it('checkPayloadSize allows up to the limit', () => {
    expect(checkPayloadSize(16, 16).allowed).toBe(true);
    expect(checkPayloadSize(17, 16)).toEqual({ allowed: false, reason: expect.stringMatching(/17 bytes.*16-byte/) });
  });

  it('clampKeepalive clamps 0 and long keepalives, and keeps everything when off', () => {
    expect([0, 1, 1200, 1201, 65535].map((k) => clampKeepalive(k, 1200))).toEqual([1200, 1, 1200, 1200, 1200]);
    expect(clampKeepalive(0, 0)).toBe(0);
  });

  it('checkCertificateName wants exactly one CN, equal to the username', () => {
    expect(checkCertificateName('E1', 'E1').allowed).toBe(true);
    for (const [name, username] of [
      ['E2', 'E1'],
      ['E1', undefined],
      [undefined, 'E1'],
      ['', ''],
      [['E1', 'E1'], 'E1'],
    ] as const) {
      expect(checkCertificateName(name, username).allowed).toBe(false);
    }
  });
});

describe('address lists', () => {
  it('parses addresses and subnets, and nothing else', () => {
    expect(parseSubnet('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseSubnet('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['', 'localhost', '10.0.0.0/33', '10.0.0.0/x', '10.0.0.0/8/8', '::1/129']) {
      expect(parseSubnet(bad)).toBeNull();
    }
  });

  it('matches IPv4, IPv4-mapped IPv6 and IPv6 addresses', () => {
    const exempt = addressMatcher(['127.0.0.0/8', '::1']);
    expect(['127.0.0.1', '127.9.9.9', '::ffff:127.0.0.1', '::1'].map(exempt)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', '::2', undefined, 'nonsense'].map(exempt)).toEqual([false, false, false, false]);
    expect(addressMatcher([])('127.0.0.1')).toBe(false);
  });
});

describe('BoundedMap', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.get('a');
    map.set('c', 3);
    expect([...map]).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
    expect(map.size).toBe(2);
  });
});
