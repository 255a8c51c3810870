/**
 * Input fragments every tool reuses, built once at module level. Every argument is attacker-controlled:
 * ids must look like Salesforce ids of the right object, picklists are enums, free text is bounded
 * (and escaped later by the backend), dates are real calendar dates.
 */
import { dataFlagsSchema, flagBackendData, recordRendering } from '@mcp-platform/runtime';
import { z } from 'zod';
import type { CrmBackend } from '../backends/crm-backend.ts';
import { SALESFORCE_ID } from '../backends/soql.ts';

/** What every tool factory receives. */
export interface ToolDeps {
  crm: CrmBackend;
  /** Today's date as YYYY-MM-DD (injectable for tests). */
  today: () => string;
}

const PREFIX_NAMES: Record<string, string> = {
  '001': 'an account',
  '003': 'a contact',
  '006': 'an opportunity',
};

/** A Salesforce id whose key prefix is one of `prefixes` (001 account, 003 contact, 006 opportunity). */
export function recordId(prefixes: readonly string[], description: string) {
  const expected = prefixes.map((p) => `${PREFIX_NAMES[p] ?? p} id (starts with ${p})`).join(' or ');
  return z
    .string()
    .regex(SALESFORCE_ID, 'must be a 15- or 18-character Salesforce id (letters and digits only)')
    .refine((value) => prefixes.includes(value.slice(0, 3)), `must be ${expected}`)
    .describe(description);
}

export const accountId = recordId(['001'], 'Account id (starts with 001), e.g. from search_accounts');
export const opportunityId = recordId(['006'], 'Opportunity id (starts with 006)');

/** Bounded search text: trimmed, 1-80 characters; matched as a literal substring (wildcards are not special). */
export function searchText(description: string) {
  return z.string().trim().min(1).max(80).describe(description);
}

export const isoDate = z.iso.date().describe('Date as YYYY-MM-DD');

export function limit(defaultValue: number, max: number) {
  return z
    .number()
    .int()
    .min(1)
    .max(max)
    .default(defaultValue)
    .describe(`Maximum records to return (1-${max}, default ${defaultValue})`);
}

export const cursor = z
  .string()
  .max(600)
  .optional()
  .describe('nextCursor from a previous call with the same filters, to get the next page');

/**
 * Record text (names, subjects, descriptions, next steps) is written by people the platform does not
 * control: every result carries the platform's `dataFlags` (one convention for every server), and
 * renderings put record data in an untrusted block.
 */
export const dataFlags = dataFlagsSchema;

/** The result with `dataFlags` computed over every string in it. */
export const flagged = flagBackendData;

/** Record data inside a `crm-records` untrusted block; list renderings (one line per record + "more"). */
export const { recordsText, listText } = recordRendering('crm-records');
export { pageOutput, pageResult } from '@mcp-platform/runtime';

export function money(amount: number | null): string {
  return amount === null ? 'no amount' : `$${Math.round(amount).toLocaleString('en-US')}`;
}
