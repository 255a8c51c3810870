import { ANONYMOUS, type CallContext, Dispatcher } from '@mcp-platform/protocol';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crmDefinition } from '../../src/app.ts';
import type { CrmBackend } from '../../src/backends/crm-backend.ts';
import type { SalesforceBackend } from '../../src/backends/salesforce.ts';
import { SandboxBackend } from '../../src/backends/sandbox.ts';
import { migrateSandbox } from '../../src/backends/sandbox-schema.ts';
import { type FakeSalesforce, startFakeSalesforce } from '../fake-salesforce.ts';
import { ANCHOR, background, freshDatabase, salesforceOn, silentLog } from '../helpers.ts';

/**
 * A call that times out or whose client goes away leaves nothing running behind it, for each kind
 * of backend: the Salesforce request is aborted (the org sees the connection close: nothing in
 * flight), and the sandbox statement is cancelled on the server (PostgreSQL shows no query left).
 */
function context(signal: AbortSignal): CallContext {
  return {
    log: silentLog,
    signal,
    progress: () => {},
    caller: ANONYMOUS,
    client: { era: '2026', protocolVersion: '2026-07-28' },
    correlationId: 'req-cancel',
    touch: () => {},
    clientLog: () => {},
  };
}

/** Polls `condition` (bounded) — for state another process owns, such as PostgreSQL's activity view. */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function dispatcherOver(crm: CrmBackend, callTimeoutMs: number): Dispatcher {
  return new Dispatcher(crmDefinition({ crm, today: () => ANCHOR }), { callTimeoutMs });
}

describe('Salesforce requests end with their call', () => {
  let fake: FakeSalesforce;
  let crm: SalesforceBackend;

  beforeAll(async () => {
    fake = await startFakeSalesforce({ anchorDate: ANCHOR });
    crm = salesforceOn(fake);
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    await crm.searchAccounts({ limit: 1 }, background); // a session exists: the hang hits the query itself
    await fake.upstream.waitForInFlight(0, 20_000);
  });

  it('a call against an org that never answers ends TIMEOUT at its deadline and its request is aborted', async () => {
    fake.hang(/\/query$/);
    const result = await dispatcherOver(crm, 300).callTool(
      { name: 'search_accounts', arguments: { name: 'Acme' } },
      context(new AbortController().signal),
    );
    expect(result).toMatchObject({ isError: true, structuredContent: { code: 'TIMEOUT', retryable: true } });
    expect(fake.requests.some((r) => r.soql?.includes('Acme'))).toBe(true);
    // The org still holds the request open until its client closes it: only an abort gets this to 0.
    await fake.upstream.waitForInFlight(0, 20_000);
    expect(fake.soql().filter((q) => q.includes('Acme'))).toHaveLength(1);
  });

  it('a client that goes away cancels the request too', async () => {
    fake.hang(/\/query$/);
    const client = new AbortController();
    const call = dispatcherOver(crm, 60_000).callTool(
      { name: 'search_accounts', arguments: { name: 'Globex' } },
      context(client.signal),
    );
    await fake.upstream.waitForInFlight(1, 20_000);
    client.abort(new Error('client closed the response stream'));
    expect(await call).toMatchObject({ isError: true, structuredContent: { code: 'CANCELLED' } });
    await fake.upstream.waitForInFlight(0, 20_000);
  });

  it('an overview cancelled mid-way aborts every one of its parallel queries', async () => {
    fake.hang(/\/query$/);
    const client = new AbortController();
    const call = dispatcherOver(crm, 60_000).callTool(
      { name: 'get_account_overview', arguments: { accountId: '001SB0000000000001' } },
      context(client.signal),
    );
    await fake.upstream.waitForInFlight(6, 20_000);
    client.abort(new Error('client closed the response stream'));
    expect(await call).toMatchObject({ isError: true, structuredContent: { code: 'CANCELLED' } });
    await fake.upstream.waitForInFlight(0, 20_000);
  });
});

describeWithPostgres('sandbox statements end with their call', (adminUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let sandbox: SandboxBackend;
  let locker: pg.Client;
  let observer: pg.Client;

  /** Statements of the sandbox's pool on the accounts table that PostgreSQL is still running. */
  const running = async (): Promise<number> => {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active'
          AND pid <> pg_backend_pid() AND query LIKE '%FROM crm_sandbox.accounts a%'`,
    );
    return rows[0]!.n;
  };

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'cancel');
    sandbox = new SandboxBackend(db.url);
    await migrateSandbox(sandbox.pool, { anchorDate: ANCHOR, seed: 20_261 });
    locker = new pg.Client({ connectionString: db.url });
    observer = new pg.Client({ connectionString: db.url });
    await Promise.all([locker.connect(), observer.connect()]);
  });
  afterAll(async () => {
    await locker?.end();
    await observer?.end();
    await sandbox?.close();
    await db?.drop();
  });

  /**
   * Runs `body` while another session holds an exclusive lock on the accounts table, so any query on
   * it blocks until cancelled: a count of 0 while the lock is still held proves the cancel.
   */
  async function withAccountsLocked(body: () => Promise<void>): Promise<void> {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE crm_sandbox.accounts IN ACCESS EXCLUSIVE MODE');
    try {
      await body();
    } finally {
      await locker.query('ROLLBACK');
    }
  }

  it('a call whose query is stuck ends TIMEOUT at its deadline and the query is cancelled on the server', async () => {
    await withAccountsLocked(async () => {
      const result = await dispatcherOver(sandbox, 300).callTool(
        { name: 'search_accounts', arguments: { name: 'Acme' } },
        context(new AbortController().signal),
      );
      expect(result).toMatchObject({
        isError: true,
        structuredContent: { code: 'TIMEOUT', retryable: true },
      });
      await until(async () => (await running()) === 0, 'PostgreSQL to cancel the statement');
    });
    // The pool is still usable afterwards (the cancelled connection went back healthy).
    const page = await sandbox.searchAccounts({ name: 'Acme', limit: 1 }, background);
    expect(page.items).toHaveLength(1);
  });

  it('a client that goes away cancels the query too', async () => {
    await withAccountsLocked(async () => {
      const client = new AbortController();
      const call = dispatcherOver(sandbox, 60_000).callTool(
        { name: 'search_accounts', arguments: { name: 'Globex' } },
        context(client.signal),
      );
      await until(async () => (await running()) === 1, 'the query to reach PostgreSQL');
      client.abort(new Error('client closed the response stream'));
      expect(await call).toMatchObject({ isError: true, structuredContent: { code: 'CANCELLED' } });
      await until(async () => (await running()) === 0, 'PostgreSQL to cancel the statement');
    });
  });
});
