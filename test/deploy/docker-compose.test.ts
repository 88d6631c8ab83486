import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema, loadConfig } from '../../config/env.js';
import { influxdConfig } from '../../influx/embedded.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: string;
  environment: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { influxdb, liftwatch, grafana } = compose.services as Record<'influxdb' | 'liftwatch' | 'grafana', Service>;

/** `${NAME:?message}` and `${NAME:-default}` references in a compose value. */
const references = (value: string) => [...value.matchAll(/\$\{(\w+)(:[?-][^}]*)?\}/g)].map((m) => [m[1], m[2] ?? '']);

describe('docker-compose.yml', () => {
  it('runs liftwatch, an InfluxDB speaking the 1.x API, and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'influxdb', 'liftwatch']);
    expect(influxdb.image).toMatch(/^influxdb:1\.(8|9|1\d)/);
    expect(liftwatch.build).toBe('.');
    expect(grafana.image).toMatch(/^grafana\/grafana(-oss)?:\d+/);
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (source.startsWith('.')) expect(fs.existsSync(path.join(root, source))).toBe(true);
        else expect(compose.volumes).toHaveProperty(source);
      }
    }
  });

  it('lifts the series limits that refuse the 100,001st elevator id', () => {
    expect(influxdb.environment.INFLUXDB_DATA_MAX_VALUES_PER_TAG).toBe('0');
    expect(influxdb.environment.INFLUXDB_DATA_MAX_SERIES_PER_DATABASE).toBe('0');
  });

  it("snapshots InfluxDB's cache as often as liftwatch's own influxd does", () => {
    const own = /cache-snapshot-memory-size = (\d+)/.exec(influxdConfig('/data/influxdb', 8086))?.[1];
    expect(own).toBeDefined();
    expect(influxdb.environment.INFLUXDB_DATA_CACHE_SNAPSHOT_MEMORY_SIZE).toBe(own);
  });

  it('configures liftwatch only with variables of the operator contract, valid once .env is filled', () => {
    const contract = Object.keys(envSchema.shape);
    for (const name of Object.keys(liftwatch.environment)) expect(contract).toContain(name);
    const example = Object.fromEntries(
      read('.env.example')
        .split('\n')
        .filter((line) => /^\w+=/.test(line))
        .map((line) => line.split('=') as [string, string]),
    );
    const resolved = Object.fromEntries(
      Object.entries(liftwatch.environment).map(([name, value]) => [
        name,
        value.replace(/\$\{(\w+)(?::[?-]([^}]*))?\}/g, (_m, ref: string, fallback: string) => example[ref] ?? fallback),
      ]),
    );
    const config = loadConfig(resolved);
    expect(config.influx.url).toBe('http://influxdb:8086');
    expect(config.host).toBe('0.0.0.0');
    expect(liftwatch.depends_on?.influxdb?.condition).toBe('service_healthy');
  });

  it('asks for every required secret, and .env.example names each one', () => {
    const example = read('.env.example');
    const required = Object.values(compose.services)
      .flatMap((service) => Object.values(service.environment))
      .flatMap(references)
      .filter(([, modifier]) => modifier?.startsWith(':?'))
      .map(([name]) => name as string);
    expect(required.length).toBeGreaterThan(0);
    for (const name of new Set(required)) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });

  it('publishes the ports of the operator contract, and MQTT over TLS', () => {
    expect(liftwatch.ports).toEqual(['1883:1883', '8083:8083', '8883:8883', '8080:8080']);
  });
});

describe('Grafana provisioning', () => {
  const mount = grafana.volumes?.find((volume) => volume.includes('/etc/grafana/provisioning')) as string;
  const dir = path.join(root, mount.split(':')[0] as string);
  const provisioning = parse(fs.readFileSync(path.join(dir, 'datasources', 'influxdb.yaml'), 'utf8')) as {
    apiVersion: number;
    datasources: Array<
      Record<string, unknown> & { jsonData: Record<string, unknown>; secureJsonData: Record<string, string> }
    >;
  };
  const [datasource] = provisioning.datasources;

  it('provisions an InfluxQL data source with a fixed uid on the compose InfluxDB', () => {
    expect(provisioning.apiVersion).toBe(1);
    expect(datasource).toMatchObject({
      type: 'influxdb',
      uid: 'liftwatch-influxdb',
      access: 'proxy',
      url: 'http://influxdb:8086',
    });
    expect(datasource?.jsonData).toMatchObject({ version: 'InfluxQL', dbName: liftwatch.environment.INFLUX_DB });
    expect(datasource?.jsonData.dbName).toBe(influxdb.environment.INFLUXDB_DB);
  });

  it('takes its credentials from variables the Grafana container has', () => {
    const fromEnv = [String(datasource?.user), datasource?.secureJsonData.password ?? ''].map((value) =>
      value.replace(/^\$\{?(\w+)\}?$/, '$1'),
    );
    for (const name of fromEnv) expect(grafana.environment).toHaveProperty(name);
  });
});
