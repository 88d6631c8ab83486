import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { build } from '../../figures/index.js';
import { InfluxHttpStore } from '../../influx/http-store.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { entrapmentTicket, registration, tempDir, uniqueDatabase } from '../helpers/fixtures.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('figures for the dashboards', () => {
  it('copies every ticket event to InfluxDB once, with the SLA times, and writes the backlog by age', async () => {
    const store = openSqliteStore(tempDir());
    const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await telemetry.ensureDatabase();
    const figures = build({ store, telemetry, logger: pino({ level: 'silent' }) });
    const elevator = store.elevators.register(registration('FIG-1', { insurer: 'INS-A' }), 'h');
    const opened = new Date(Date.now() - 2 * DAY);
    const trapped = store.tickets.record(
      entrapmentTicket(elevator, { deadlineAt: opened.getTime() + 30 * MINUTE }),
      opened,
    ).ticket;
    store.tickets.transition(trapped.id, 'ack', 'insurer:INS-A', null, new Date(opened.getTime() + 2 * MINUTE));
    store.tickets.transition(trapped.id, 'dispatch', 'insurer:INS-A', null, new Date(opened.getTime() + 3 * MINUTE));
    store.tickets.transition(trapped.id, 'arrive', 'insurer:INS-A', null, new Date(opened.getTime() + 25 * MINUTE));
    const other = store.elevators.register(registration('FIG-2', { insurer: 'INS-A' }), 'h');
    store.tickets.record(entrapmentTicket(other, { rule: 'door-lock-recurring', severity: 'major' }), new Date());

    expect(await figures.copyEvents()).toBe(5);
    expect(await figures.copyEvents()).toBe(0);
    const byEvent = Object.fromEntries(
      (
        await telemetry.query(
          `SELECT sinceOpenedSeconds, deadlineMet, ticket FROM ticket_events WHERE elevator = 'FIG-1' GROUP BY "event"`,
        )
      ).map((s) => [s.tags.event, s.rows[0]]),
    );
    expect(byEvent.opened).toMatchObject({ ticket: trapped.id, sinceOpenedSeconds: 0 });
    expect(byEvent.acknowledged).toMatchObject({ sinceOpenedSeconds: 120 });
    expect(byEvent.on_site).toMatchObject({ sinceOpenedSeconds: 1500, deadlineMet: true });
    expect(Object.keys(byEvent).sort()).toEqual(['acknowledged', 'dispatched', 'on_site', 'opened']);

    await figures.writeBacklog();
    const backlog = await telemetry.query('SELECT * FROM ticket_backlog GROUP BY severity');
    const bySeverity = Object.fromEntries(backlog.map((s) => [s.tags.severity, s.rows[0]]));
    expect(bySeverity.critical).toMatchObject({ insurer: 'INS-A', open: 1, ageUnder1d: 0, age1to7d: 1, ageOver7d: 0 });
    expect(bySeverity.major).toMatchObject({ open: 1, ageUnder1d: 1 });
    store.close();
  });

  it('once started, copies new events and writes the backlog on its own', async () => {
    const store = openSqliteStore(tempDir());
    const telemetry = new InfluxHttpStore({ url: inject('influxUrl'), db: uniqueDatabase() });
    await telemetry.ensureDatabase();
    const elevator = store.elevators.register(registration('FIG-3'), 'h');
    store.tickets.record(entrapmentTicket(elevator), new Date());
    const figures = build({ store, telemetry, logger: pino({ level: 'silent' }), pollMs: 20 });
    figures.start();
    await expect
      .poll(async () => (await telemetry.query('SELECT open FROM ticket_backlog')).flatMap((s) => s.rows).length)
      .toBe(1);
    await expect
      .poll(async () => (await telemetry.query('SELECT ticket FROM ticket_events')).flatMap((s) => s.rows).length)
      .toBe(1);
    await figures.stop();
    store.close();
  });
});
