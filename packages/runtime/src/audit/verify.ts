import type pg from 'pg';
import { GENESIS_HASH, rowHash } from './chain.ts';
import { type AuditRow, recordOfRow } from './stored-row.ts';

export interface BrokenRow {
  chainId: string;
  /** Position in the chain where verification failed. */
  chainSeq: number;
  /** Global row number (`seq`), when the row exists. */
  seq: string | null;
  id: string | null;
  reason: string;
}

export interface VerifyReport {
  chains: number;
  rows: number;
  /** The first broken row of each broken chain (empty when everything verifies). */
  broken: BrokenRow[];
}

const PAGE = 1000;

/**
 * Walks every hash chain in `audit_log` in order and reports, per chain, the first row whose
 * position, `prev_hash` or `hash` does not match (a changed, inserted or deleted row).
 */
export async function verifyChains(pool: pg.Pool, options: { chainId?: string } = {}): Promise<VerifyReport> {
  const report: VerifyReport = { chains: 0, rows: 0, broken: [] };
  let cursor: { chainId: string; chainSeq: string } | undefined;
  let chainId: string | undefined;
  let expectedSeq = 0;
  let prevHash = GENESIS_HASH;
  let chainBroken = false;
  for (;;) {
    const params: unknown[] = [];
    const where: string[] = [];
    if (options.chainId !== undefined) {
      params.push(options.chainId);
      where.push(`chain_id = $${params.length}`);
    }
    if (cursor) {
      params.push(cursor.chainId, cursor.chainSeq);
      where.push(`(chain_id, chain_seq) > ($${params.length - 1}, $${params.length}::bigint)`);
    }
    const { rows } = await pool.query<AuditRow>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY chain_id, chain_seq LIMIT ${PAGE}`,
      params,
    );
    for (const row of rows) {
      report.rows += 1;
      if (row.chain_id !== chainId) {
        chainId = row.chain_id;
        report.chains += 1;
        expectedSeq = 1;
        prevHash = GENESIS_HASH;
        chainBroken = false;
      }
      if (chainBroken) continue;
      const record = recordOfRow(row);
      const at = { chainId: row.chain_id, chainSeq: record.chainSeq, seq: row.seq, id: row.id };
      let reason: string | undefined;
      if (record.chainSeq !== expectedSeq) {
        reason =
          record.chainSeq > expectedSeq
            ? `missing rows: expected chain_seq ${expectedSeq}, found ${record.chainSeq} (rows deleted)`
            : `chain_seq ${record.chainSeq} out of order`;
      } else if (record.prevHash !== prevHash) {
        reason =
          'prev_hash does not match the hash of the previous row (row inserted, replaced or deleted before it)';
      } else if (rowHash(record.prevHash, record) !== record.hash) {
        reason = 'hash does not match the row contents (row modified)';
      }
      if (reason !== undefined) {
        report.broken.push({ ...at, reason });
        chainBroken = true;
        continue;
      }
      expectedSeq += 1;
      prevHash = record.hash;
    }
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) break;
    cursor = { chainId: last.chain_id, chainSeq: last.chain_seq };
  }
  return report;
}
