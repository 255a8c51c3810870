/**
 * Input fragments every ITSM tool reuses, built once at module level. Every argument is
 * attacker-controlled: numbers must match the instance's prefixes, sys_ids are 32 hex characters,
 * choices are enums, and free text that will reach an encoded query is refused (not escaped) when it
 * could change the query's meaning — ServiceNow has no escape for `^`.
 */
import { type CallContext, ToolError } from '@mcp-platform/protocol';
import { dataFlagsSchema, flagBackendData, recordRendering } from '@mcp-platform/runtime';
import type { UpstreamCall } from '@mcp-platform/server-kit';
import { z } from 'zod';
import { RECORD_NUMBER, SYS_ID, unsafeQueryText } from '../backends/encoded-query.ts';
import type { ItsmBackend } from '../backends/itsm-backend.ts';
import type { Ci, Ref } from '../model.ts';

/** What every tool factory receives. */
export interface ToolDeps {
  itsm: ItsmBackend;
  /** The current time (injectable for tests and the demo). */
  now: () => Date;
}

/** Text that may reach an encoded query: bounded, and refused when it could split or script the query. */
export function queryText(max: number, description: string) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((value, ctx) => {
      const problem = unsafeQueryText(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(description);
}

/** Text written into a record (never into a query): bounded; control characters other than newlines refused. */
export function recordText(max: number, description: string) {
  return (
    z
      .string()
      .trim()
      .min(1)
      .max(max)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'must not contain control characters')
      .describe(description)
  );
}

export const incidentNumber = z
  .string()
  .trim()
  .toUpperCase()
  .regex(RECORD_NUMBER.incident, 'must be an incident number like INC0010042 (INC and 7 digits)')
  .describe('Incident number, e.g. INC0010042');

export const sysId = z.string().regex(SYS_ID, 'must be a sys_id: 32 lowercase hexadecimal characters');

/** A configuration item or business service: its exact name or its sys_id. */
export function ciReference(description: string) {
  return queryText(100, description);
}

export const groupName = queryText(80, 'Assignment group name, e.g. "Payments SRE"');

export const isoDateTime = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .describe('Date (YYYY-MM-DD) or ISO 8601 datetime with offset, e.g. 2026-11-23T06:00:00Z');

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

/** Resolves a CI/service name or sys_id to its CI, or fails with what to do. */
export async function resolveCi(
  itsm: ItsmBackend,
  reference: string,
  call: UpstreamCall,
  what = 'configuration item',
): Promise<Ci> {
  if (SYS_ID.test(reference)) {
    const ci = await itsm.getCi(reference, call);
    if (ci) return ci;
  } else {
    const [ci] = await itsm.findCis([reference], call);
    if (ci) return ci;
  }
  throw new ToolError('NOT_FOUND', `No ${what} named ${JSON.stringify(reference)}`, {
    hint: 'Use the exact CI name (e.g. payment-service) or its sys_id, as shown by get_incident or find_related_to_alert.',
  });
}

export async function resolveGroup(
  itsm: ItsmBackend,
  name: string,
  call: UpstreamCall,
): Promise<NonNullable<Ref>> {
  const group = await itsm.findGroup(name, call);
  if (!group) {
    throw new ToolError('NOT_FOUND', `No assignment group named ${JSON.stringify(name)}`, {
      hint: 'Use the exact group name as shown on incidents (e.g. "Payments SRE").',
    });
  }
  return group;
}

export function incidentNotFound(number: string): ToolError {
  return new ToolError('NOT_FOUND', `No incident ${number}`, {
    hint: 'Check the number (INC and 7 digits), or find it with search_incidents.',
  });
}

/**
 * The attribution line every write puts in the record's journal: the person behind the call (from
 * the token, not the integration user), the client they used, and who approved the write.
 */
export function attribution(ctx: CallContext, action: string): string {
  const client = ctx.caller.clientId ?? ctx.client.name ?? 'unknown client';
  const approved = ctx.approval
    ? ctx.approval.policy === 'approver'
      ? `approved by ${ctx.approval.approvedBy} (approval ${ctx.approval.id})`
      : `confirmed by ${ctx.approval.approvedBy} (approval ${ctx.approval.id})`
    : 'not approved';
  return `[MCP itsm] ${action} on behalf of ${ctx.caller.subject} via ${client}; ${approved}.`;
}

/**
 * Record text (descriptions, work notes, names) is written by people and systems the platform does
 * not control: every result carries the platform's `dataFlags` (one convention for every server),
 * and renderings put it in an untrusted block.
 */
export const dataFlags = dataFlagsSchema;

/** The result with `dataFlags` computed over every string in it. */
export const flagged = flagBackendData;

/** Record data inside a `servicenow-records` untrusted block; list renderings (one line per record + "more"). */
export const { recordsText, listText } = recordRendering('servicenow-records');
export { pageOutput, pageResult } from '@mcp-platform/runtime';

/** `servicenow:incident/<sys_id>` (or `sandbox:…`): the record reference in the audit trail. */
export function recordRef(itsm: ItsmBackend, table: string, sysId: string): string {
  return `${itsm.kind}:${table}/${sysId}`;
}
