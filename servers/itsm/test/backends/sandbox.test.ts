import { backgroundCall } from '@mcp-platform/server-kit';
import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SandboxBackend } from '../../src/backends/sandbox.ts';
import { migrateSandbox } from '../../src/backends/sandbox-schema.ts';
import { ANCHOR, freshDatabase, SEED } from '../helpers.ts';

const call = backgroundCall();

describeWithPostgres('sandbox instance (PostgreSQL)', (adminUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let sandbox: SandboxBackend;

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'sandbox');
    const first = await migrateSandbox(db.url, { anchorDate: ANCHOR, seed: SEED });
    expect(first.seeded?.counts.incident).toBeGreaterThan(500);
    expect(first.seeded?.counts.cmdb_ci).toBeGreaterThan(120);
    // Idempotent: a second run neither migrates nor seeds again.
    expect(await migrateSandbox(db.url, { anchorDate: ANCHOR, seed: SEED })).toEqual({
      applied: [],
      seeded: undefined,
    });
    sandbox = new SandboxBackend(db.url);
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.drop();
  });

  it('pages incidents newest first with a keyset cursor, no row twice', async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await sandbox.searchIncidents({ limit: 50, cursor, states: ['1', '2', '3'] }, call);
      for (const i of page.items) {
        expect(seen.has(i.sysId)).toBe(false);
        seen.add(i.sysId);
        expect(['New', 'In Progress', 'On Hold']).toContain(i.state);
      }
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(seen.size).toBeGreaterThan(3);
  });

  it('reads the planted incident with journal, SLA, problem and CI', async () => {
    const found = await sandbox.searchIncidents({ limit: 5, text: 'p99 latency above 800' }, call);
    const planted = found.items.find(
      (i) => i.configurationItem?.name === 'payment-service' && i.state === 'In Progress',
    );
    expect(planted).toBeDefined();
    const detail = await sandbox.getIncident(planted!.number, { journal: 5 }, call);
    expect(detail?.problem?.number).toBe('PRB0040100');
    expect(detail?.journal.length).toBe(2);
    expect(detail?.slas[0]?.name).toMatch(/resolution/);
    expect(detail?.businessService?.name).toBe('Payments');
  });

  it('gives a CI with its upstream and downstream neighbours', async () => {
    const [db] = await sandbox.findCis(['payments-db'], call);
    const detail = await sandbox.getCi(db!.sysId, call);
    expect(detail?.upstream.map((r) => `${r.ci.name}:${r.type}`)).toContain('payment-service:Used by');
    expect(detail?.downstream.map((r) => `${r.ci.name}:${r.type}`)).toEqual([
      'payments-db-01:Runs on',
      'payments-db-02:Runs on',
    ]);
    expect(detail?.ownedByGroup?.name).toBe('Database Administration');
    expect(detail?.openIncidentCount).toBeGreaterThanOrEqual(1);
  });
});
