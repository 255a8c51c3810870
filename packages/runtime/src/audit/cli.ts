import { parseArgs } from 'node:util';
import { createPool } from './pool.ts';
import { formatTable, parseSince, queryAudit, rowsAsJson } from './query.ts';
import { verifyChains } from './verify.ts';
import { parseTraceId, queryWorkflow, workflowsOf } from './workflow.ts';
import {
  formatRecordHistory,
  formatWorkflow,
  recordHistoryJsonLines,
  workflowEvent,
  workflowJsonLines,
} from './workflow-format.ts';

const USAGE = `Usage: pnpm run audit <command> [options]      (DATABASE_URL selects the database)

  query    Who did what, when, with which arguments (newest first)
             --record <ref>       calls that touched this backend record, e.g. crm:Opportunity/006A,
                                  then every call of the workflow(s) they belonged to
             --trace <id>         one workflow: every call under this W3C trace id, on every server
                                  of the trail, oldest first
             --session <sid>      one workflow: every call in this IdP session (sid) or 2025 MCP session
             --tool <name>        calls of this tool (or prompt, or resource URI)
             --principal <sub>    calls by this principal (subject)
             --since <24h|ISO>    only rows at or after this time (durations: s, m, h, d)
             --until <1h|ISO>     only rows before this time
             --server <name>      only this server
             --events <list|all>  event kinds (default: call; e.g. call,intent,approval.approved)
             --limit <n>          at most n rows (default 100)
             --json               one JSON document instead of a table
             --jsonl              JSON lines, one event per row (for a SIEM)
  verify   Walk every hash chain and report the first broken row of each (exit 1 if any)
             --chain <id>         only this chain
             --json
  migrate  Apply pending migrations (run as the owner of the audit tables)
             --runtime-role <r>   grant the runtime role exactly what it needs
`;

const OPTIONS = {
  record: { type: 'string' },
  tool: { type: 'string' },
  principal: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  trace: { type: 'string' },
  session: { type: 'string' },
  jsonl: { type: 'boolean', default: false },
  server: { type: 'string' },
  events: { type: 'string' },
  limit: { type: 'string' },
  chain: { type: 'string' },
  'runtime-role': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

function workflowJsonLinesOf(rows: Parameters<typeof rowsAsJson>[0]): string {
  return rows.map((row) => `${JSON.stringify(workflowEvent(row))}\n`).join('');
}

function out(text: string): void {
  process.stdout.write(text);
}

function fail(message: string, code = 2): never {
  process.stderr.write(`audit: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: rest, strict: true, allowPositionals: false, options: OPTIONS });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  const options = parsed.values;
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl === undefined || databaseUrl === '') {
    fail('set DATABASE_URL (postgres://user:password@host:5432/database) to the audit database');
  }

  if (command === 'migrate') {
    // Loaded only here: the migration tool is large and the other commands do not need it.
    const { migrate } = await import('./migrate.ts');
    const applied = await migrate(databaseUrl, {
      ...(options['runtime-role'] === undefined ? {} : { runtimeRole: options['runtime-role'] }),
    });
    out(
      applied.length === 0
        ? 'Nothing to migrate: the schema is up to date.\n'
        : `Applied: ${applied.join(', ')}\n`,
    );
    return 0;
  }

  const pool = createPool(databaseUrl, { max: 1, queryTimeoutMs: 120_000 });
  try {
    if (command === 'verify') {
      const report = await verifyChains(pool, options.chain === undefined ? {} : { chainId: options.chain });
      if (options.json) {
        out(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        out(`Verified ${report.rows} rows in ${report.chains} chains.\n`);
        for (const b of report.broken) {
          out(
            `BROKEN chain ${b.chainId} at chain_seq ${b.chainSeq} (row seq ${b.seq ?? '-'}, id ${b.id ?? '-'}): ${b.reason}\n`,
          );
        }
        if (report.broken.length === 0) out('All chains intact.\n');
      }
      return report.broken.length === 0 ? 0 : 1;
    }
    if (command === 'query') {
      const time = (value: string | undefined, option: string): Date | undefined => {
        if (value === undefined) return undefined;
        try {
          return parseSince(value, new Date(), option);
        } catch (error) {
          fail((error as Error).message);
        }
      };
      const since = time(options.since, '--since');
      const until = time(options.until, '--until');
      const limit = options.limit === undefined ? undefined : Number(options.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        fail('--limit must be a positive integer');
      const chosen = [options.record, options.trace, options.session].filter((v) => v !== undefined);
      if (chosen.length > 1) fail('give one of --record, --trace and --session');
      if (options.json && options.jsonl) fail('give --json or --jsonl, not both');
      if (options.trace !== undefined) {
        try {
          parseTraceId(options.trace);
        } catch (error) {
          fail((error as Error).message);
        }
      }
      const common = {
        ...(options.server === undefined ? {} : { server: options.server }),
        ...(options.events === undefined ? {} : { events: options.events.split(',').map((e) => e.trim()) }),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(limit === undefined ? {} : { limit }),
      };
      if (options.trace !== undefined || options.session !== undefined) {
        const workflow = await queryWorkflow(pool, {
          ...common,
          ...(options.trace === undefined ? {} : { trace: options.trace }),
          ...(options.session === undefined ? {} : { session: options.session }),
          ...(options.principal === undefined ? {} : { principal: options.principal }),
        });
        if (options.jsonl) out(workflowJsonLines(workflow));
        else if (options.json) out(`${JSON.stringify(rowsAsJson(workflow.rows), null, 2)}\n`);
        else out(formatWorkflow(workflow));
        return 0;
      }
      const rows = await queryAudit(pool, {
        ...common,
        ...(options.record === undefined ? {} : { record: options.record }),
        ...(options.tool === undefined ? {} : { tool: options.tool }),
        ...(options.principal === undefined ? {} : { principal: options.principal }),
      });
      if (options.json) {
        out(`${JSON.stringify(rowsAsJson(rows), null, 2)}\n`);
        return 0;
      }
      if (options.record !== undefined) {
        const history = {
          record: options.record,
          changes: rows,
          workflows: await workflowsOf(pool, rows, common),
        };
        out(options.jsonl ? recordHistoryJsonLines(history) : formatRecordHistory(history));
        return 0;
      }
      out(options.jsonl ? workflowJsonLinesOf(rows) : formatTable(rows));
      return 0;
    }
    fail(`unknown command ${command}\n\n${USAGE}`);
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => fail(error instanceof Error ? error.message : String(error), 1),
);
