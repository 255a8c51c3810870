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
 * Marks (`audit_chain_marks`, written with every stored batch) that the rows do not match: the row
 * at the mark is missing (the chain was cut short, or deleted whole) or has another hash (the chain
 * was rewritten). The first such mark per chain.
 */
async function unmatchedMarks(pool: pg.Pool, chainId: string | undefined): Promise<BrokenRow[]> {
  const { rows } = await pool.query<{
    chain_id: string;
    chain_seq: string;
    last_seq: string | null;
    row_hash: string | null;
  }>(
    `SELECT DISTINCT ON (m.chain_id) m.chain_id, m.chain_seq, a.hash AS row_hash,
            (SELECT max(l.chain_seq) FROM audit_log l WHERE l.chain_id = m.chain_id) AS last_seq
       FROM audit_chain_marks m
       LEFT JOIN audit_log a ON a.chain_id = m.chain_id AND a.chain_seq = m.chain_seq
      WHERE a.hash IS DISTINCT FROM m.hash ${chainId === undefined ? '' : 'AND m.chain_id = $1'}
      ORDER BY m.chain_id, m.chain_seq`,
    chainId === undefined ? [] : [chainId],
  );
  return rows.map((row) => {
    const markSeq = Number(row.chain_seq);
    const lastSeq = row.last_seq === null ? 0 : Number(row.last_seq);
    if (row.row_hash !== null) {
      return {
        chainId: row.chain_id,
        chainSeq: markSeq,
        seq: null,
        id: null,
        reason: `the row at chain_seq ${markSeq} does not have the hash recorded when it was written (chain rewritten)`,
      };
    }
    return {
      chainId: row.chain_id,
      chainSeq: lastSeq + 1,
      seq: null,
      id: null,
      reason:
        lastSeq < markSeq
          ? `chain cut short: it ends at chain_seq ${lastSeq} but reached ${markSeq} when written (rows deleted from its end)`
          : `missing rows: chain_seq ${markSeq} was written but is gone`,
    };
  });
}

/**
 * Walks every hash chain in `audit_log` in order and reports, per chain, the first row whose
 * position, `prev_hash` or `hash` does not match (a changed, inserted or deleted row), and checks
 * each chain against its high-water marks (a tail deleted from its end, a chain deleted whole).
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
  const seen = new Set(report.broken.map((b) => b.chainId));
  for (const broken of await unmatchedMarks(pool, options.chainId)) {
    if (seen.has(broken.chainId)) continue;
    if (!(await chainHasRows(pool, broken.chainId))) report.chains += 1;
    report.broken.push(broken);
  }
  return report;
}

async function chainHasRows(pool: pg.Pool, chainId: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM audit_log WHERE chain_id = $1 LIMIT 1', [chainId]);
  return rows.length > 0;
}
