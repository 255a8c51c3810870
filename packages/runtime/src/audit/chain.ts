import { canonicalJson, sha256Hex } from './canonical-json.ts';
import type { AuditRecord } from './record.ts';
import { hasCorrelation } from './workflow-ids.ts';

/** `prev_hash` of the first row of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where a chain currently ends. */
export interface ChainHead {
  chainSeq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = Object.freeze({ chainSeq: 0, hash: GENESIS_HASH });

/** A record placed on a chain: exactly the columns the hash covers, plus `prevHash` and `hash`. */
export interface ChainedRecord extends AuditRecord {
  chainId: string;
  chainSeq: number;
  prevHash: string;
  hash: string;
}

/**
 * The canonical form of a row that the hash covers. Built the same way from a fresh record and from
 * a row read back from PostgreSQL, so `verify` recomputes exactly what the writer hashed.
 * Version 1 (no correlation fields set: every row written before they existed) is unchanged; version 2
 * adds the correlation fields. Clearing them on a version-2 row changes the form, so the hash breaks.
 */
export function canonicalRow(row: Omit<ChainedRecord, 'hash' | 'prevHash'>): string {
  const correlated = hasCorrelation(row);
  return canonicalJson({
    v: correlated ? 2 : 1,
    ...(correlated
      ? {
          parentSpanId: row.parentSpanId ?? null,
          traceState: row.traceState ?? null,
          traceSource: row.traceSource ?? null,
          idpSession: row.idpSession ?? null,
          tokenId: row.tokenId ?? null,
          mcpSession: row.mcpSession ?? null,
        }
      : {}),
    id: row.id,
    chainId: row.chainId,
    chainSeq: row.chainSeq,
    at: row.at,
    server: row.server,
    event: row.event,
    kind: row.kind,
    name: row.name,
    subject: row.subject,
    principalKind: row.principalKind,
    clientId: row.clientId,
    clientName: row.clientName,
    clientVersion: row.clientVersion,
    protocolEra: row.protocolEra,
    protocolVersion: row.protocolVersion,
    correlationId: row.correlationId,
    traceId: row.traceId,
    arguments: row.arguments ?? null,
    outcome: row.outcome,
    errorCode: row.errorCode,
    durationMs: row.durationMs,
    resultBytes: row.resultBytes,
    resultSha256: row.resultSha256,
    touched: row.touched,
    approvalId: row.approvalId,
    detail: row.detail ?? null,
  });
}

/** `hash = sha256(prev_hash || canonical JSON of the row)`. */
export function rowHash(prevHash: string, row: Omit<ChainedRecord, 'hash' | 'prevHash'>): string {
  return sha256Hex(prevHash + canonicalRow(row));
}

/** Places records on a chain after `head`, in order; returns the rows and the new head. */
export function chainRecords(
  chainId: string,
  head: ChainHead,
  records: readonly AuditRecord[],
): { rows: ChainedRecord[]; head: ChainHead } {
  const rows: ChainedRecord[] = [];
  let { chainSeq, hash } = head;
  for (const record of records) {
    chainSeq += 1;
    const unhashed = { ...record, chainId, chainSeq };
    const next = rowHash(hash, unhashed);
    rows.push({ ...unhashed, prevHash: hash, hash: next });
    hash = next;
  }
  return { rows, head: { chainSeq, hash } };
}
