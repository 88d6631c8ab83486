import { z } from 'zod';

/** Text that can travel as an InfluxDB tag or string field: no control characters (line protocol cannot carry them). */
export const plainText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
