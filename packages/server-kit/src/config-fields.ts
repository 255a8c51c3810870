import { z } from 'zod';

/**
 * Field helpers for a server's one zod config schema (`baseConfigSchema.extend({...})`): each parses
 * one environment variable and fails with a message saying what a valid value looks like.
 */

/** An absolute http(s) URL, trailing slashes removed. */
export const httpUrl = (example = 'an absolute http(s) URL') =>
  z
    .url({ protocol: /^https?$/, error: `expected ${example}` })
    .transform((value) => value.replace(/\/+$/, ''));

/** A `postgres://` (or `postgresql://`) connection URL. */
export const postgresUrl = () =>
  z.url({ protocol: /^postgres(ql)?$/, error: 'expected postgres://user:password@host:5432/database' });

/** A comma-separated list, items trimmed, empty items dropped (`OPS, HR,` → `['OPS', 'HR']`). */
export const commaList = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

/** A TCP port 0-65535 (0 picks a free one). */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback).describe('a TCP port 0-65535');

/** A PostgreSQL role name (unquoted identifier), e.g. for GRANTs made by `migrate`. */
export const roleName = () =>
  z.string().regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'expected a PostgreSQL role name like mcp_crm');

/** A positive integer number of milliseconds within [min, max]. */
export const milliseconds = (fallback: number, min = 1, max = 600_000) =>
  z.coerce.number().int().min(min).max(max).default(fallback).describe(`milliseconds, ${min}-${max}`);

/** A directory path the server writes to (data directories, spools). */
export const directoryPath = (fallback: string) =>
  z.string().min(1).default(fallback).describe('a writable directory path');

/** The date a sandbox's demo data is generated around (YYYY-MM-DD); unset = today, fixed at first seeding. */
export const sandboxAnchorDate = () => z.iso.date().optional().describe('a date like 2026-11-23');

/** The seed of a sandbox's demo data generator (same seed and anchor date, same data). */
export const sandboxSeed = (fallback = 20_261) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .default(fallback)
    .describe('an integer');
