/**
 * `node --conditions=@mcp-platform/source packages/runtime/bench/audit-plans.ts [rows]` — seeds a throwaway audit
 * database with a large synthetic trail (default 3,000,000 rows, generate_series), then prints the
 * EXPLAIN (ANALYZE, BUFFERS) plan and the wall time of each workflow query exactly as `pnpm run audit
 * query` issues it (--trace, --session, --record with its workflows, --principal + --since/--until).
 * Drops the database at the end. Needs DATABASE_URL with CREATEDB. A measurement, not a test.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../src/audit/migrate.ts';
import { queryAudit } from '../src/audit/query.ts';
import { queryWorkflow, workflowsOf } from '../src/audit/workflow.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);
const total = Number(process.argv[2] ?? 3_000_000);
const base = process.env.DATABASE_URL;
if (base === undefined) throw new Error('set DATABASE_URL (a role with CREATEDB)');

const name = `audit_plans_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(base);
url.pathname = `/${name}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
pool.on('error', () => {});

// A realistic shape: 4 servers, 5,000 principals, workflows of ~12 calls (one trace each), IdP
// sessions of ~60 calls, 2025 MCP sessions of ~30 calls, 1 call in 8 touching one of 200,000
// records, 1 in 40 under an approval, 90 days of history.
const SEED = `
INSERT INTO audit_log (id, chain_id, chain_seq, at, server, event, kind, name, subject, principal_kind,
  client_id, client_name, client_version, protocol_era, protocol_version, correlation_id, trace_id,
  arguments, outcome, touched, approval_id, parent_span_id, trace_source, idp_session, token_id,
  mcp_session, prev_hash, hash)
SELECT gen_random_uuid(),
  (ARRAY['crm','knowledge','itsm','finance'])[1 + g % 4] || '/seed',
  g, now() - interval '90 days' + (g::double precision / $2) * interval '90 days',
  (ARRAY['crm','knowledge','itsm','finance'])[1 + g % 4],
  CASE WHEN g % 40 = 0 THEN 'approval.approved' WHEN g % 9 = 0 THEN 'intent' ELSE 'call' END,
  'tool', 'tool_' || (g % 37), 'user' || (g / 12 % 5000) || '@example.com', 'user',
  'claude-code', 'claude-code', '2.1.7', '2026', '2026-07-28', 'req-' || g,
  md5('trace' || (g / 12)) || '',
  jsonb_build_object('n', g), 'ok',
  CASE WHEN g % 8 = 0 THEN ARRAY['crm:Opportunity/' || (g * 7919 % 200000)] ELSE '{}' END,
  CASE WHEN g % 40 < 2 THEN md5('approval' || (g / 40))::uuid END,
  substr(md5('span' || g), 1, 16), 'meta', 'sid-' || (g / 60), md5('jti' || (g / 60))::uuid::text,
  CASE WHEN g % 4 = 1 THEN substr(md5('mcp' || (g / 30)), 1, 32) END,
  repeat('0', 64), md5(g::text) || md5(g::text)
FROM generate_series($1::bigint, $1::bigint + $3 - 1) AS g`;

const plans: string[] = [];
const explaining = {
  query: async (sql: string, params: unknown[]) => {
    const started = performance.now();
    const { rows } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    plans.push(
      `-- ${(performance.now() - started).toFixed(1)} ms\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`,
    );
    return { rows: [] };
  },
} as unknown as pg.Pool;

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  out(`${label}: ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

try {
  await migrate(url.toString());
  const batch = 500_000;
  const seedStarted = performance.now();
  for (let from = 1; from <= total; from += batch) {
    await pool.query(SEED, [from, total, Math.min(batch, total - from + 1)]);
  }
  await pool.query('VACUUM ANALYZE audit_log');
  const { rows: size } = await pool.query<{ rows: string; size: string }>(
    `SELECT count(*) AS rows, pg_size_pretty(pg_total_relation_size('audit_log')) AS size FROM audit_log`,
  );
  out(
    `seeded ${size[0]!.rows} rows (${size[0]!.size} with indexes) in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`,
  );

  // A call row (not an intent or approval) 60% into the trail that touched a record.
  let g = Math.floor(total * 0.6);
  while (g % 8 !== 0 || g % 9 === 0 || g % 40 < 2) g += 1;
  const trace = (await pool.query<{ t: string }>(`SELECT md5('trace' || ($1::bigint / 12)) AS t`, [g]))
    .rows[0]!.t;
  const sid = `sid-${Math.floor(g / 60)}`;
  const record = `crm:Opportunity/${(g * 7919) % 200000}`;
  const principal = `user${Math.floor(g / 12) % 5000}@example.com`;

  out('\nwall time of each query (real pg.Pool, second run, warm cache):');
  for (const pass of [1, 2]) {
    const log = pass === 2 ? timed : <T>(_l: string, fn: () => Promise<T>) => fn();
    await log(`--trace ${trace}`, () => queryWorkflow(pool, { trace }));
    await log(`--session ${sid}`, () => queryWorkflow(pool, { session: sid }));
    await log(`--record ${record} (changes + their workflows)`, async () => {
      const rows = await queryAudit(pool, { record });
      return workflowsOf(pool, rows);
    });
    await log(`--principal ${principal} --since 7d --until 1d`, () =>
      queryAudit(pool, {
        principal,
        since: new Date(Date.now() - 7 * 86_400_000),
        until: new Date(Date.now() - 86_400_000),
      }),
    );
  }

  out('\nEXPLAIN (ANALYZE, BUFFERS) of the same statements:');
  await queryWorkflow(explaining, { trace });
  await queryWorkflow(explaining, { session: sid });
  await queryAudit(explaining, { record });
  const changes = await queryAudit(pool, { record });
  await workflowsOf(explaining, changes);
  for (const plan of plans) out(`\n${plan}`);
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
