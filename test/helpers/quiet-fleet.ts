import path from 'node:path';
import { build as buildFleet } from '../../simulators/fleet.js';
import { resolveScenario } from '../../simulators/scenario.js';
import { tempDir } from './fixtures.js';
import type { TestSystem } from './system.js';

/**
 * The first minutes of a fleet: two elevators for the last two hours that send telemetry and
 * never fault, lose power or see a technician, so InfluxDB holds telemetry but no fault, visit or
 * ticket. Stored when this resolves.
 */
export async function playQuietFleet(system: TestSystem): Promise<void> {
  const scenario = resolveScenario({
    name: 'quiet',
    seed: 3,
    from: '-2h',
    duration: '2h',
    speed: 'max',
    fleet: { elevators: 2, doorReports: 'anomalies' },
    critical: { entrapment: 0, 'bottom-overrun': 0, 'top-overrun': 0, 'unintended-movement': 0 },
    backgroundFaults: 0,
    powerOffsPerYear: 0,
    offlinePerWeek: 0,
    fireTestsPerMonth: 0,
  });
  const fleet = buildFleet({
    scenario,
    mqttUrl: system.mqttUrl,
    api: { apiUrl: system.httpUrl, adminToken: system.adminToken },
    credentialsFile: path.join(tempDir(), 'credentials.json'),
    logger: system.context.logger,
  });
  await fleet.run();
  await system.ingest.flush();
}
