/**
 * SAP OData V2 wire format: `/Date(ms)/` dates, `{d:{results,__next}}` lists, error bodies
 * `{error:{code,message:{value},innererror}}` mapped onto the platform's error codes.
 */
import { ToolError } from '@mcp-platform/protocol';
import type { UpstreamHttpError } from '@mcp-platform/server-kit';

/** `/Date(1735689600000)/` (or `/Date(…+0000)/`) → `2025-01-01`; null/empty → null. */
export function sapDate(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const m = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (!m) return null;
  return new Date(Number(m[1])).toISOString().slice(0, 10);
}

/** `2025-01-01` → `/Date(1735689600000)/` for a write. */
export function toSapDate(date: string): string {
  return `/Date(${Date.parse(`${date}T00:00:00Z`)})/`;
}

export interface ODataList<T> {
  d: { results: T[]; __next?: string; __count?: string };
}

/** SAP's error body, read defensively (it is upstream text: clipped, never trusted as instructions). */
export function sapErrorOf(body: string): { code: string; message: string } | undefined {
  try {
    const parsed = JSON.parse(body) as {
      error?: { code?: unknown; message?: { value?: unknown } | unknown };
    };
    const error = parsed.error;
    if (!error) return undefined;
    const message =
      typeof error.message === 'object' && error.message !== null
        ? (error.message as { value?: unknown }).value
        : error.message;
    return {
      code: typeof error.code === 'string' ? error.code.slice(0, 40) : 'unknown',
      message: typeof message === 'string' ? message.replace(/\s+/g, ' ').slice(0, 200) : '',
    };
  } catch {
    return undefined;
  }
}

/** The kit client's `describeError` for SAP: the status decides the code, SAP's message says why. */
export function describeSapError(error: UpstreamHttpError): ToolError | undefined {
  const sap = sapErrorOf(error.body);
  if (!sap) return undefined;
  const said = `SAP said: "${sap.message}" (${sap.code})`;
  switch (error.status) {
    case 400:
      return new ToolError('VALIDATION_FAILED', `SAP refused the request. ${said}`, {
        hint: 'Check the values (plant, purchasing group, unit, supplier) against what the SAP system allows, then retry.',
      });
    case 403:
      return new ToolError('PERMISSION_DENIED', `SAP denied the request. ${said}`, {
        hint: 'The communication user lacks an authorization: see docs/servers/finance.md for the roles it needs.',
      });
    case 404:
      return new ToolError('NOT_FOUND', `SAP has no such record. ${said}`, {
        hint: 'Check the number and try again.',
      });
    default:
      return undefined;
  }
}
