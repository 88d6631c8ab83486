import { z } from 'zod';

/**
 * Text that can travel as an InfluxDB tag or string field: no control characters (line protocol
 * cannot carry them) and no lone UTF-16 surrogates (UTF-8 cannot: InfluxDB would store U+FFFD).
 */
export const plainText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must not contain control characters or lone surrogates');
