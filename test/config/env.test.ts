import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { LiftwatchError } from '../../lib/errors.js';

describe('loadConfig', () => {
  it('has defaults that work on one machine', () => {
    const config = loadConfig({}, '/srv');
    expect(config).toMatchObject({
      dataDir: path.resolve('/srv/data'),
      host: '127.0.0.1',
      mqtt: { port: 1883, wsPort: 8083, url: 'mqtt://127.0.0.1:1883', redisUrl: null },
      http: { port: 8080, url: 'http://127.0.0.1:8080', rateLimitPerMinute: 600 },
      influx: { url: null, db: 'liftwatch', embedded: { port: 8086, binary: 'influxd', niceness: 10 } },
      ingest: { batchSize: 5000, batchIntervalMs: 1000 },
      adminToken: undefined,
      logLevel: 'info',
    });
  });

  it('takes a redis:// URL for the broker, password and database included', () => {
    const url = 'redis://:secret@127.0.0.1:6380/2';
    expect(loadConfig({ LW_REDIS_URL: url }).mqtt.redisUrl).toBe(url);
  });

  it('takes 0 as a rate limit that is off', () => {
    expect(loadConfig({ LW_RATE_LIMIT_PER_MINUTE: '0' }).http.rateLimitPerMinute).toBe(0);
  });

  it('takes the local influxd niceness from 0 (as liftwatch) to 19 (the lowest), nothing beyond', () => {
    expect(loadConfig({ LW_INFLUXD_NICE: '0' }).influx.embedded.niceness).toBe(0);
    expect(loadConfig({ LW_INFLUXD_NICE: '19' }).influx.embedded.niceness).toBe(19);
    expect(() => loadConfig({ LW_INFLUXD_NICE: '20' })).toThrow(/LW_INFLUXD_NICE/);
    expect(() => loadConfig({ LW_INFLUXD_NICE: '-5' })).toThrow(/LW_INFLUXD_NICE/);
  });

  it('lets webhooks reach no loopback or private address unless LW_OUTBOUND_ALLOW lists it', () => {
    expect(loadConfig({}).webhooks.outboundAllow).toEqual([]);
    expect(loadConfig({ LW_OUTBOUND_ALLOW: 'none' }).webhooks.outboundAllow).toEqual([]);
    expect(loadConfig({ LW_OUTBOUND_ALLOW: '127.0.0.0/8, ::1,10.1.0.0/16' }).webhooks.outboundAllow).toEqual([
      '127.0.0.0/8',
      '::1',
      '10.1.0.0/16',
    ]);
    expect(() => loadConfig({ LW_OUTBOUND_ALLOW: 'localhost' })).toThrow(/LW_OUTBOUND_ALLOW="localhost" is not valid/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ LW_MQTT_PORT: '', INFLUX_URL: '' }).mqtt.port).toBe(1883);
  });

  it('connects its own clients to loopback when bound to every address', () => {
    expect(loadConfig({ LW_HOST: '0.0.0.0', LW_HTTP_PORT: '9000' }).http.url).toBe('http://127.0.0.1:9000');
    expect(loadConfig({ LW_HOST: '::1' }).mqtt.url).toBe('mqtt://[::1]:1883');
  });

  it.each([
    ['LW_MQTT_PORT', 'abc', /LW_MQTT_PORT="abc" is not valid: expected a port number from 0 to 65535/],
    ['LW_HTTP_PORT', '70000', /LW_HTTP_PORT="70000".*0 to 65535/],
    ['LW_HOST', 'example.com', /LW_HOST="example.com" is not valid: expected an IPv4 or IPv6 address/],
    ['INFLUX_URL', 'ftp://x', /INFLUX_URL="ftp:\/\/x" is not valid: expected an http:\/\/ or https:\/\/ URL/],
    ['LW_REDIS_URL', 'http://x', /LW_REDIS_URL="http:\/\/x" is not valid: expected a redis:\/\/ URL/],
    ['LW_BATCH_SIZE', '0', /LW_BATCH_SIZE="0" is not valid: expected a whole number from 1 to 100000/],
    ['LW_RATE_LIMIT_PER_MINUTE', '-1', /LW_RATE_LIMIT_PER_MINUTE="-1" is not valid: expected a whole number from 0 to/],
    ['LW_LOG_LEVEL', 'loud', /LW_LOG_LEVEL="loud" is not valid: expected one of fatal, error/],
    ['LW_ADMIN_TOKEN', 'short', /LW_ADMIN_TOKEN="short" is not valid: expected at least 16 characters/],
  ])('refuses %s=%s naming the variable and what it accepts', (name, value, message) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LiftwatchError);
    expect((caught as LiftwatchError).code).toBe('LW_ERR_CONFIG');
    expect((caught as LiftwatchError).message).toMatch(message);
  });
});

describe('loadConfig: the broker limits and TLS', () => {
  it('has the documented defaults: loopback exempt from the rates, no TLS', () => {
    expect(loadConfig({}).mqtt).toMatchObject({
      tls: null,
      limits: {
        maxPayloadBytes: 65536,
        publishRatePerSecond: 50,
        publishBurst: 200,
        connectRatePerMinute: 60,
        maxKeepaliveSeconds: 1200,
        rateExempt: ['127.0.0.0/8', '::1'],
      },
    });
  });

  it('takes a list of exempt addresses and subnets, or none', () => {
    expect(loadConfig({ LW_MQTT_RATE_EXEMPT: '10.0.0.0/8, 192.0.2.7,fd00::/8' }).mqtt.limits.rateExempt).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      'fd00::/8',
    ]);
    expect(loadConfig({ LW_MQTT_RATE_EXEMPT: 'none' }).mqtt.limits.rateExempt).toEqual([]);
    expect(() => loadConfig({ LW_MQTT_RATE_EXEMPT: '10.0.0.0/33' })).toThrow(
      /LW_MQTT_RATE_EXEMPT="10.0.0.0\/33" is not valid: expected addresses or subnets/,
    );
  });

  it('listens for TLS with a certificate and key, paths relative to the working directory; a CA adds mutual TLS', () => {
    expect(loadConfig({ LW_TLS_CERT: 'tls/cert.pem', LW_TLS_KEY: '/etc/key.pem' }, '/srv').mqtt.tls).toEqual({
      port: 8883,
      certFile: '/srv/tls/cert.pem',
      keyFile: '/etc/key.pem',
      caFile: null,
    });
    const mutual = loadConfig({ LW_TLS_CERT: 'c', LW_TLS_KEY: 'k', LW_TLS_CA: 'ca', LW_MQTT_TLS_PORT: '0' }, '/srv');
    expect(mutual.mqtt.tls).toMatchObject({ port: 0, caFile: '/srv/ca' });
  });

  it.each([
    [{ LW_TLS_CERT: 'c' }, /LW_TLS_KEY is not set/],
    [{ LW_TLS_KEY: 'k' }, /LW_TLS_CERT is not set/],
    [{ LW_TLS_CA: 'ca' }, /LW_TLS_CERT is not set: expected a PEM file, as LW_TLS_CA is set/],
  ])('refuses half a TLS configuration: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
