/**
 * Input fragments every tool reuses, built once at module level. Every argument is attacker-controlled:
 * keys must match SAP's formats, statuses are enums, free text is bounded (and escaped by the backend),
 * dates are real calendar dates, amounts are decimal strings.
 */
import { ToolError } from '@mcp-platform/protocol';
import { dataFlagsSchema, flagBackendData, recordRendering } from '@mcp-platform/runtime';
import { z } from 'zod';
import type { FinanceBackend } from '../backends/finance-backend.ts';
import { SAP } from '../model.ts';
import { CURRENCY_CODE, type Money } from '../money.ts';
import type { TermsMap } from '../payment-terms.ts';

/** What every tool factory receives. */
export interface ToolDeps {
  finance: FinanceBackend;
  /** Payment terms key → net days and discounts (configurable mapping). */
  terms: TermsMap;
  /** Today's date as YYYY-MM-DD (injectable for tests). */
  today: () => string;
  /** Most records one aggregation reads from the backend (spend, invoice summaries). */
  aggregationBound: number;
  /** Requisitions whose total value exceeds this (per currency) need a second approver. */
  secondApprovalAbove: Money | undefined;
}

export const supplierId = z
  .string()
  .regex(SAP.supplier, 'must be an SAP supplier number: 1-10 digits or capital letters, e.g. 17300001')
  .describe('SAP supplier number, e.g. 17300001 (from search_suppliers or rank_suppliers)');
export const purchaseOrderId = z
  .string()
  .regex(SAP.purchaseOrder, 'must be a 10-digit purchase order number, e.g. 4500000123')
  .describe('Purchase order number (10 digits, e.g. 4500000123)');
export const companyCode = z
  .string()
  .regex(SAP.companyCode, 'must be a 4-character company code, e.g. 1010')
  .describe('Company code, e.g. 1010 (Germany, EUR), 1710 (US, USD), 2010 (France, EUR)');
export const currency = z
  .string()
  .regex(CURRENCY_CODE, 'must be an ISO 4217 code in capitals, e.g. EUR')
  .describe('ISO 4217 currency code, e.g. EUR or USD');
export const amount = z
  .string()
  .regex(
    /^\d{1,15}(\.\d{1,2})?$/,
    'must be a plain decimal like 25000 or 25000.50 (no separators, no exponent)',
  )
  .describe('Amount as a decimal string, e.g. "25000.00"');
export const moneyInput = z.object({ amount, currency }).describe('An amount and its currency');

export const isoDate = z.iso.date().describe('Date as YYYY-MM-DD');

export function searchText(description: string) {
  return z.string().trim().min(1).max(80).describe(description);
}

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

/** The platform's one convention for backend text in results (dataFlags + untrusted renderings). */
export const dataFlags = dataFlagsSchema;
export const flagged = flagBackendData;

/** Record data inside a `sap-records` untrusted block; list renderings (one line per record + "more"). */
export const { recordsText, listText } = recordRendering('sap-records');
export { pageOutput, pageResult } from '@mcp-platform/runtime';

export const fmt = (m: Money) => `${m.amount} ${m.currency}`;

const DAY = 86_400_000;
export function shiftDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}
export function spanDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}

/** The tools' common date-window check: from ≤ to, at most `maxDays` long. */
export function checkWindow(from: string, to: string, maxDays: number): void {
  const span = spanDays(from, to);
  if (span < 0) throw new ToolError('INVALID_ARGUMENTS', '`from` is after `to`', { hint: 'Swap the dates.' });
  if (span > maxDays)
    throw new ToolError('INVALID_ARGUMENTS', `The window is longer than ${maxDays} days`, {
      hint: `Ask for at most ${maxDays} days at a time.`,
    });
}

/** A period from optional dates: `to` defaults to today, `from` to 365 days before `to`; checked. */
export function periodOf(
  args: { from?: string | undefined; to?: string | undefined },
  today: string,
  maxDays: number,
): { from: string; to: string } {
  const to = args.to ?? today;
  const from = args.from ?? shiftDays(to, -365);
  checkWindow(from, to, maxDays);
  return { from, to };
}

/** A quarter like 2027-Q3 → its first and last day. */
export function quarterWindow(quarter: string): { from: string; to: string } {
  const year = Number(quarter.slice(0, 4));
  const q = Number(quarter.slice(-1));
  const from = new Date(Date.UTC(year, (q - 1) * 3, 1)).toISOString().slice(0, 10);
  const to = new Date(Date.UTC(year, q * 3, 0)).toISOString().slice(0, 10);
  return { from, to };
}
export const quarter = z
  .string()
  .regex(/^\d{4}-Q[1-4]$/, 'quarter must look like 2027-Q3')
  .describe('A calendar quarter, e.g. 2027-Q3');

export function notFound(what: string, id: string, hint: string): ToolError {
  return new ToolError('NOT_FOUND', `No ${what} ${id}`, { hint });
}
