import { describe, expect, it } from 'vitest';
import { buildTopic, elevatorIdSchema, parseTopic } from '../../contract/index.js';

describe('topics', () => {
  it('builds and parses elevators/{id}/{kind}', () => {
    const topic = buildTopic('CQ-0001_a', 'faults');
    expect(topic).toBe('elevators/CQ-0001_a/faults');
    expect(parseTopic(topic)).toEqual({ elevatorId: 'CQ-0001_a', kind: 'faults' });
  });

  it.each([
    'elevators/E1/unknown',
    'elevators/E1/faults/extra',
    'elevators/E 1/faults',
    'elevators/+/faults',
    'lifts/E1/faults',
    '$SYS/broker/uptime',
    `elevators/${'x'.repeat(33)}/faults`,
    'elevators//faults',
  ])('refuses %s', (topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it('accepts ids of 1 to 32 characters of [A-Za-z0-9_-] only', () => {
    expect(elevatorIdSchema.safeParse('a').success).toBe(true);
    expect(elevatorIdSchema.safeParse('A'.repeat(32)).success).toBe(true);
    expect(elevatorIdSchema.safeParse('A'.repeat(33)).success).toBe(false);
    expect(elevatorIdSchema.safeParse('E:1').success).toBe(false);
    expect(elevatorIdSchema.safeParse('').success).toBe(false);
  });
});
