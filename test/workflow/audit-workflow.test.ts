import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type AuditFeature,
  createMetrics,
  type FullStack,
  type LocalIssuer,
  migrateServer,
  startFullStack,
  startLocalIssuer,
} from '@mcp-platform/runtime';
import { createBackend, crmDefinition } from '@mcp-platform/server-crm';
import { ingestDemoCorpus, knowledgeDefinition, knowledgeFeature } from '@mcp-platform/server-knowledge';
import {
  createTestDatabase,
  describeWithPostgres,
  type OtlpReceiver,
  startOtlpReceiver,
  type TestDatabase,
} from '@mcp-platform/test-support';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { knowledgeConfigSchema } from '../../servers/knowledge/src/config.ts';
import { migrate as migrateIndex } from '../../servers/knowledge/src/index/migrate.ts';
import { type KnowledgeBase, openKnowledgeBase } from '../../servers/knowledge/src/knowledge-base.ts';

// One agent workflow (a Claude session helping a sales rep) reads the knowledge base, finds an account
// in the CRM, logs a call there (confirmed by the rep), and leaves feedback on the article it used. Both
// servers write to ONE shared audit database, each as its own role; the agent sends one W3C trace
// context (in `_meta` to the 2026 CRM client, as an HTTP header from the 2025 knowledge client) and its
// tokens carry one IdP session. The audit CLI must give the workflow back whole and in order.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AUDIT_SCRIPT = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { audit: string } }
).scripts.audit;
const NODE_ARGS = AUDIT_SCRIPT.split(/\s+/).slice(1);
const ANCHOR = '2026-11-23';
const silent = pino({ level: 'silent' });

interface Event {
  server: string;
  event: string;
  name: string;
  outcome: string;
  principal: { subject: string; clientId: string | null };
  client: { name: string | null; era: string | null };
  touched: string[];
  approval: { approvedBy: string | null } | null;
  traceId: string | null;
  correlation: {
    traceId: string | null;
    parentSpanId: string | null;
    traceSource: string | null;
    idpSession: string | null;
    tokenId: string | null;
    mcpSession: string | null;
  };
  workflow?: { kind: string; id: string };
  role?: string;
}

function ok<T>(result: unknown): T {
  const r = result as { isError?: boolean; structuredContent?: unknown; content?: unknown };
  if (r.isError) throw new Error(`tool failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
  return r.structuredContent as T;
}

describeWithPostgres('one agent workflow across CRM and knowledge on a shared audit trail', (adminUrl) => {
  const suffix = randomBytes(4).toString('hex');
  const roles = { crm: `wf_crm_${suffix}`, knowledge: `wf_knowledge_${suffix}` };
  const password = randomBytes(12).toString('hex');
  const traceId = randomBytes(16).toString('hex');
  const agentSpan = randomBytes(8).toString('hex');
  const traceparent = `00-${traceId}-${agentSpan}-01`;
  const sid = `idp-session-${suffix}`;
  const jane = 'rep.jane@example.com';
  const mallory = 'mallory@example.com';

  let auditDb: TestDatabase;
  let crmDb: TestDatabase;
  let knowledgeDb: TestDatabase;
  let issuer: LocalIssuer;
  let receiver: OtlpReceiver;
  let crm: FullStack;
  let knowledge: FullStack;
  let kb: KnowledgeBase;
  let crmBackend: Awaited<ReturnType<typeof createBackend>>;
  const metrics = {
    crm: createMetrics({ server: 'crm' }),
    knowledge: createMetrics({ server: 'knowledge' }),
  };
  const clients: Client[] = [];
  let taskRecord: string;
  let feedbackRecord: string;

  const roleUrl = (db: TestDatabase, role: string) => {
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    return url.toString();
  };
  const cli = async (args: string[]) =>
    (
      await run(process.execPath, [...NODE_ARGS, 'query', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: auditDb.url },
      })
    ).stdout;
  const events = async (args: string[]) =>
    (await cli([...args, '--jsonl']))
      .trimEnd()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Event);
  const flushAudit = async () => {
    for (const stack of [crm, knowledge]) {
      const audit = stack.server.features.find((f) => f.name === 'audit') as AuditFeature;
      await audit.trail.flush();
    }
  };
  const connect = async (
    stack: FullStack,
    token: string,
    era: '2026' | '2025',
    headers: Record<string, string> = {},
  ) => {
    const client = new Client(
      { name: 'claude-code', version: '2.1.7' },
      {
        capabilities: { elicitation: { form: {} } },
        versionNegotiation: { mode: era === '2025' ? 'legacy' : { pin: '2026-07-28' } },
      },
    );
    // The rep confirms the write the agent proposes.
    client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { approve: true },
    }));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}`, ...headers } },
      }),
    );
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    [auditDb, crmDb, knowledgeDb] = await Promise.all([
      createTestDatabase(adminUrl, 'wf_audit'),
      createTestDatabase(adminUrl, 'wf_crm'),
      createTestDatabase(adminUrl, 'wf_knowledge'),
    ]);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const role of Object.values(roles))
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await admin.end();

    // Each server's migration job: its own database, plus the shared trail as the owner, registering
    // the server's role as the one writer of its rows.
    for (const [name, db] of [
      ['crm', crmDb],
      ['knowledge', knowledgeDb],
    ] as const) {
      await migrateServer({
        name,
        config: {},
        env: {
          DATABASE_URL: db.url,
          AUDIT_DATABASE_URL: roleUrl(auditDb, roles[name]),
          AUDIT_MIGRATE_DATABASE_URL: auditDb.url,
        },
      });
    }

    issuer = await startLocalIssuer({ audience: 'http://full-stack.test/mcp' });
    receiver = await startOtlpReceiver();
    const env = (role: string) => ({
      LOG_LEVEL: 'silent',
      AUDIT_DATABASE_URL: roleUrl(auditDb, role),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
    });

    crmBackend = await createBackend(
      { SANDBOX_SEED: 20_261, SANDBOX_ANCHOR_DATE: ANCHOR } as Parameters<typeof createBackend>[0],
      crmDb.url,
      { log: silent as never, metrics: metrics.crm, today: () => ANCHOR },
      { kind: 'sandbox' },
    );
    crm = await startFullStack({
      definition: crmDefinition({ crm: crmBackend, today: () => ANCHOR }),
      databaseUrl: crmDb.url,
      issuer,
      metrics: metrics.crm,
      env: env(roles.crm),
    });

    await migrateIndex(knowledgeDb.url, {});
    kb = await openKnowledgeBase({ databaseUrl: knowledgeDb.url });
    await ingestDemoCorpus(kb, new Date('2026-11-01T12:00:00Z'));
    const config = knowledgeConfigSchema.parse({ AUTH_MODE: 'oauth' });
    knowledge = await startFullStack({
      definition: knowledgeDefinition(kb),
      databaseUrl: knowledgeDb.url,
      issuer,
      metrics: metrics.knowledge,
      env: env(roles.knowledge),
      features: [knowledgeFeature({ kb, config, log: silent as never })],
    });

    const token = (scope: string, subject: string, session: string) =>
      issuer.token({ scope, subject, clientId: 'claude-code', extraClaims: { sid: session } });
    // The agent's two connections: CRM over 2026-07-28 (trace context in `_meta`), knowledge as a
    // 2025 client (trace context as the HTTP header; a signed Mcp-Session-Id).
    const crmClient = await connect(crm, await token('crm:read crm:write', jane, sid), '2026');
    const knowledgeClient = await connect(
      knowledge,
      await token('knowledge:read knowledge:write', jane, sid),
      '2025',
      { traceparent },
    );
    const meta = { _meta: { traceparent, tracestate: 'agent=claude' } };

    const search = ok<{ hits: Array<{ documentId: string; section: string }> }>(
      await knowledgeClient.callTool({ name: 'search_documents', arguments: { query: 'renewal' } }),
    );
    const accounts = ok<{ items: Array<{ id: string }> }>(
      await crmClient.callTool({ name: 'search_accounts', arguments: { name: 'Globex Corp' }, ...meta }),
    );
    const overview = ok<{ keyContacts: { items: Array<{ id: string }> } }>(
      await crmClient.callTool({
        name: 'get_account_overview',
        arguments: { accountId: accounts.items[0]!.id },
        ...meta,
      }),
    );
    const logged = ok<{ activity: { id: string } }>(
      await crmClient.callTool({
        name: 'log_activity',
        arguments: {
          relatedTo: overview.keyContacts.items[0]!.id,
          type: 'Call',
          subject: 'Renewal prep call',
          description: 'Walked the customer through the renewal terms.',
          date: ANCHOR,
        },
        ...meta,
      }),
    );
    taskRecord = `sandbox:Task/${logged.activity.id}`;
    const feedback = ok<{ feedbackId: string }>(
      await knowledgeClient.callTool({
        name: 'submit_feedback',
        arguments: { documentId: search.hits[0]!.documentId, rating: 'helpful' },
      }),
    );
    feedbackRecord = `knowledge:feedback/${feedback.feedbackId}`;

    // Another principal claims the same trace id (a forged traceparent) from a session of their own.
    const malloryClient = await connect(crm, await token('crm:read', mallory, 'mallory-session'), '2026');
    ok(await malloryClient.callTool({ name: 'search_accounts', arguments: { name: 'Acme' }, ...meta }));

    await flushAudit();
    await metrics.crm.tracing?.flush();
    await metrics.knowledge.tracing?.flush();
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await crm?.close();
    await knowledge?.close();
    await crmBackend?.close?.();
    await kb?.close();
    await issuer?.close();
    await receiver?.close();
    await Promise.all([auditDb?.drop(), crmDb?.drop(), knowledgeDb?.drop()]);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const role of Object.values(roles)) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  // The write is two calls on the wire: the 2026 inline confirmation (`input_required`), then the
  // confirmed round that writes.
  const WORKFLOW = [
    ['knowledge', 'search_documents', 'ok'],
    ['crm', 'search_accounts', 'ok'],
    ['crm', 'get_account_overview', 'ok'],
    ['crm', 'log_activity', 'input_required'],
    ['crm', 'log_activity', 'ok'],
    ['knowledge', 'submit_feedback', 'ok'],
  ];

  it('--trace returns the workflow whole and in order from both servers, with approval and approver', async () => {
    const rows = (await events(['--trace', traceId, '--principal', jane])).filter((e) => e.event === 'call');
    expect(rows.map((r) => [r.server, r.name, r.outcome])).toEqual(WORKFLOW);
    for (const row of rows) {
      expect(row).toMatchObject({
        principal: { subject: jane, clientId: 'claude-code' },
        workflow: { kind: 'trace', id: traceId },
      });
      expect(row.correlation).toMatchObject({ traceId, parentSpanId: agentSpan, idpSession: sid });
      expect(row.correlation.tokenId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Where each server found the trace context: `_meta` (2026) or the HTTP header (2025).
    expect(rows.map((r) => r.correlation.traceSource)).toEqual([
      'header',
      'meta',
      'meta',
      'meta',
      'meta',
      'header',
    ]);
    expect(rows.filter((r) => r.server === 'knowledge').every((r) => r.correlation.mcpSession !== null)).toBe(
      true,
    );
    const write = rows.find((r) => r.name === 'log_activity' && r.outcome === 'ok')!;
    expect(write.touched).toEqual([taskRecord]);
    expect(write.approval?.approvedBy).toBe(jane);

    const table = await cli(['--trace', traceId, '--principal', jane]);
    expect(table).toMatch(
      new RegExp(`^Workflow trace ${traceId}: 6 calls on crm, knowledge, .* by rep\\.jane@example\\.com\\n`),
    );
    expect(table).toMatch(
      /crm\s+log_activity\s+rep\.jane@example\.com\s+claude-code \(claude-code 2\.1\.7\)\s+ok\s+sandbox:Task\/\S+\s+rep\.jane@example\.com/,
    );
  });

  it('--session (the IdP sid) returns the same workflow from the shared trail', async () => {
    const rows = (await events(['--session', sid])).filter((e) => e.event === 'call');
    expect(rows.map((r) => [r.server, r.name, r.outcome])).toEqual(WORKFLOW);
    expect(new Set(rows.map((r) => r.principal.subject))).toEqual(new Set([jane]));
  });

  it('--record on a record the workflow changed names the workflow and lists every call in it', async () => {
    const table = await cli(['--record', taskRecord]);
    const [change, ...rest] = table.split('\n\n');
    expect(change).toMatch(/log_activity\s+ok\s+sandbox:Task\/\S+\s+rep\.jane@example\.com/);
    expect(rest.join('\n\n')).toMatch(new RegExp(`Workflow trace ${traceId}: 7 calls on crm, knowledge`));

    const lines = await events(['--record', feedbackRecord]);
    const changes = lines.filter((l) => l.role === 'change');
    expect(changes.map((c) => [c.server, c.name])).toEqual([['knowledge', 'submit_feedback']]);
    const workflow = lines.filter((l) => l.role === 'workflow' && l.event === 'call');
    expect(new Set(workflow.map((l) => l.workflow?.id))).toEqual(new Set([traceId]));
    expect(
      workflow.filter((l) => l.principal.subject === jane).map((l) => [l.server, l.name, l.outcome]),
    ).toEqual(WORKFLOW);
  });

  it('a forged traceparent cannot hide a call from its principal’s history, nor pass it off as someone else’s', async () => {
    const history = await events(['--principal', mallory]);
    expect(history.map((r) => [r.server, r.name, r.traceId])).toEqual([['crm', 'search_accounts', traceId]]);
    const session = await events(['--session', 'mallory-session']);
    expect(session.map((r) => r.principal.subject)).toEqual([mallory]);
    // In the trace view the call is listed under its real principal, and the view says so.
    const all = (await events(['--trace', traceId])).filter((e) => e.event === 'call');
    expect(all.find((r) => r.principal.subject === mallory)?.name).toBe('search_accounts');
    expect(await cli(['--trace', traceId])).toMatch(/note: 2 principals share this trace id/);
  });

  it('spans reach the OTLP receiver with the audit rows’ trace id, and backend requests are child spans', async () => {
    expect(receiver.rejected).toEqual([]);
    const server = receiver.spans.filter((s) => s.kind === 2 && s.traceId === traceId);
    const janeCalls = WORKFLOW.map(
      ([service, tool], i) =>
        server.filter((s) => s.service === service && s.attributes['gen_ai.tool.name'] === tool)[
          i === 4 ? 1 : 0
        ],
    );
    for (const span of janeCalls) {
      expect(span).toBeDefined();
      // A child of the agent's span: the incoming trace context, not a new trace.
      expect(span!.parentSpanId).toBe(agentSpan);
      expect(span!.attributes['mcp.method.name']).toBe('tools/call');
    }
    const logSpan = janeCalls[4]!;
    const backend = receiver.spans.filter((s) => s.kind === 3 && s.parentSpanId === logSpan.spanId);
    expect(backend.length).toBeGreaterThan(0);
    expect(backend.every((s) => s.traceId === traceId && s.service === 'crm')).toBe(true);
  });

  it('each server’s role inserts and reads only its own rows of the shared trail, and verify passes', async () => {
    const crmRole = new pg.Client({ connectionString: roleUrl(auditDb, roles.crm) });
    await crmRole.connect();
    try {
      const visible = await crmRole.query<{ server: string }>('SELECT DISTINCT server FROM audit_log');
      expect(visible.rows.map((r) => r.server)).toEqual(['crm']);
      const forged = crmRole.query(
        `INSERT INTO audit_log (id, chain_id, chain_seq, at, server, event, kind, name, subject,
           principal_kind, outcome, prev_hash, hash)
         VALUES (gen_random_uuid(), 'knowledge/forged', 1, now(), 'knowledge', 'call', 'tool',
           'submit_feedback', 'x', 'user', 'ok', '0', '0')`,
      );
      await expect(forged).rejects.toThrow(/row-level security/);
      const otherChain = crmRole.query(
        `INSERT INTO audit_log (id, chain_id, chain_seq, at, server, event, kind, name, subject,
           principal_kind, outcome, prev_hash, hash)
         VALUES (gen_random_uuid(), 'knowledge/x', 1, now(), 'crm', 'call', 'tool', 't', 'x', 'user',
           'ok', '0', '0')`,
      );
      await expect(otherChain).rejects.toThrow(/row-level security/);
      await expect(crmRole.query(`UPDATE audit_log SET subject = 'x'`)).rejects.toThrow();
      // Nor a high-water mark for another server's chain.
      await expect(
        crmRole.query(
          `INSERT INTO audit_chain_marks (chain_id, chain_seq, hash) VALUES ('knowledge/x', 1, 'h')`,
        ),
      ).rejects.toThrow(/row-level security/);
      const marks = await crmRole.query<{ chain_id: string }>(
        'SELECT DISTINCT chain_id FROM audit_chain_marks',
      );
      expect(marks.rows.length).toBeGreaterThan(0);
      expect(marks.rows.every((r) => r.chain_id.startsWith('crm/'))).toBe(true);
    } finally {
      await crmRole.end();
    }
    const verify = await run(process.execPath, [...NODE_ARGS, 'verify'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: auditDb.url },
    });
    expect(verify.stdout).toMatch(/^Verified \d+ rows in 2 chains\.\nAll chains intact\.\n$/);
  });
});
