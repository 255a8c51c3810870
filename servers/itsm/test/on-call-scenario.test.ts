import { randomBytes } from 'node:crypto';
import { parseEnv } from '@mcp-platform/runtime';
import { type FullStack, startFullStack } from '@mcp-platform/runtime/testing';
import { ingestDemoCorpus, knowledgeDefinition, knowledgeFeature } from '@mcp-platform/server-knowledge';
import {
  auditEvents,
  connectMcpClient,
  describeWithPostgres,
  expectAuditedWrite,
  type McpTestClient,
  resultOk,
} from '@mcp-platform/test-support';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { knowledgeConfigSchema } from '../../knowledge/src/config.ts';
import { migrate as migrateIndex } from '../../knowledge/src/index/migrate.ts';
import { type KnowledgeBase, openKnowledgeBase } from '../../knowledge/src/knowledge-base.ts';
import { SandboxBackend } from '../src/backends/sandbox.ts';
import { migrateSandbox } from '../src/backends/sandbox-schema.ts';
import { ALERT, ANCHOR, freshDatabase, SEED } from './helpers.ts';
import { startItsm } from './support.ts';

// The on-call story as a host runs it, one MCP client per server: an alert fires → ITSM finds the
// related incidents and the recent payments-db change → the knowledge server gives the matching
// runbook → the engineer confirms a work note with the findings and the runbook link on the existing
// incident → `pnpm audit query --record <incident>` shows who wrote it, from which client, and
// `--trace` the calls that led to it, on both servers.

const ENGINEER = 'oncall.ana@example.com';

describeWithPostgres('on-call scenario across ITSM and knowledge, through to the audit query', (adminUrl) => {
  const traceId = randomBytes(16).toString('hex');
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  let db: { url: string; drop: () => Promise<void> };
  let sandbox: SandboxBackend;
  let kb: KnowledgeBase;
  let itsm: FullStack;
  let knowledge: FullStack;
  let itsmClient: McpTestClient;
  let knowledgeClient: McpTestClient;

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'oncall');
    await migrateSandbox(db.url, { anchorDate: ANCHOR, seed: SEED });
    sandbox = new SandboxBackend(db.url);
    itsm = await startItsm(sandbox, db.url);
    await migrateIndex(db.url, {});
    kb = await openKnowledgeBase({ databaseUrl: db.url });
    await ingestDemoCorpus(kb, new Date('2026-11-01T12:00:00Z'));
    knowledge = await startFullStack({
      definition: knowledgeDefinition(kb),
      databaseUrl: db.url,
      migrate: false,
      env: { LOG_LEVEL: 'silent' },
      features: [
        knowledgeFeature({
          kb,
          config: parseEnv(knowledgeConfigSchema, { AUTH_MODE: 'oauth' }),
          log: pino({ level: 'silent' }),
        }),
      ],
    });
    // The host: one client per server, the same person, one trace for the whole triage.
    itsmClient = await connectMcpClient(itsm.url, {
      token: await itsm.token('itsm:read itsm:write', ENGINEER),
      headers: { traceparent },
      name: 'oncall-host',
      elicit: () => ({ action: 'accept', content: { approve: true } }),
    });
    knowledgeClient = await connectMcpClient(knowledge.url, {
      token: await knowledge.token('knowledge:read', ENGINEER),
      headers: { traceparent },
      name: 'oncall-host',
    });
  });
  afterAll(async () => {
    await itsmClient?.close();
    await knowledgeClient?.close();
    await knowledge?.close();
    await itsm?.close();
    await kb?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('alert → related incidents and changes → runbook → confirmed work note → audit query', async () => {
    // 1. ITSM: what is related to the alert, in one call.
    const related = resultOk<{
      incidents: Array<{
        record: { number: string; sysId: string; shortDescription: string; state: string };
      }>;
      changes: Array<{ record: { number: string; shortDescription: string; plannedEnd: string } }>;
    }>(await itsmClient.callTool({ name: 'find_related_to_alert', arguments: { alertText: ALERT } }));
    const incident = related.incidents.find((i) =>
      i.record.shortDescription.startsWith('payment-service p99'),
    )!.record;
    expect(incident.state).toBe('In Progress');
    const change = related.changes[0]!.record;
    expect(change.shortDescription).toMatch(/^Upgrade payments-db/);

    // 2. Knowledge: the runbook for the symptom, and its first steps.
    const search = resultOk<{
      hits: Array<{ documentId: string; title: string; citation: { url: string } }>;
    }>(
      await knowledgeClient.callTool({
        name: 'search_documents',
        arguments: { query: 'payment service latency runbook' },
      }),
    );
    const runbook = search.hits[0]!;
    expect(runbook.title).toBe('Payment Service latency runbook');
    const doc = resultOk<{ chunks: Array<{ text: string; citation: { url: string } }> }>(
      await knowledgeClient.callTool({
        name: 'get_document',
        arguments: { documentId: runbook.documentId, section: 'Mitigation steps' },
      }),
    );
    const steps = doc.chunks[0]!.text;
    expect(steps).toContain('kubectl -n payment-service scale deploy/payment-service');

    // 3. ITSM: the findings as a work note on the existing incident, confirmed by the engineer.
    const note = [
      `Triage for alert payment-service-p99-latency-high: likely cause ${change.number} (${change.shortDescription}), ended ${change.plannedEnd}.`,
      `Runbook: ${doc.chunks[0]!.citation.url}`,
      `First steps: ${steps.slice(0, 300)}`,
    ].join('\n');
    const written = resultOk<{ entry: { text: string } }>(
      await itsmClient.callTool({
        name: 'add_incident_note',
        arguments: { number: incident.number, kind: 'work_note', text: note },
      }),
    );
    expect(itsmClient.elicited.at(-1)).toContain(
      `an internal work note (IT staff only) to ${incident.number}`,
    );
    expect(written.entry.text).toContain(`on behalf of ${ENGINEER}`);
    expect(written.entry.text).toContain('https://wiki.example.com/ops/runbooks/payment-service/latency');
    const detail = resultOk<{ journal: Array<{ text: string }> }>(
      await itsmClient.callTool({ name: 'get_incident', arguments: { number: incident.number, journal: 1 } }),
    );
    expect(detail.journal[0]!.text).toContain(change.number);

    // 4. The audit query: who wrote it, from which client — and the calls that led to it.
    const record = `sandbox:incident/${incident.sysId}`;
    const byRecord = await auditEvents(db.url, { record });
    expectAuditedWrite(
      byRecord.find((e) => e.event === 'call' && e.name === 'add_incident_note'),
      {
        name: 'add_incident_note',
        record,
        subject: ENGINEER,
        approvedBy: ENGINEER,
        client: 'oncall-host',
        server: 'itsm',
      },
    );
    const byTrace = await auditEvents(db.url, { trace: traceId });
    // The write shows twice: the call that asked the person (input_required), then the confirmed one.
    const calls = byTrace
      .filter((e) => e.event === 'call' && e.outcome === 'ok')
      .map((e) => `${e.server}:${e.name}`);
    expect(
      byTrace.filter((e) => e.name === 'add_incident_note' && e.event === 'call').map((e) => e.outcome),
    ).toEqual(['input_required', 'ok']);
    expect(calls).toEqual([
      'itsm:find_related_to_alert',
      'knowledge:search_documents',
      'knowledge:get_document',
      'itsm:add_incident_note',
      'itsm:get_incident',
    ]);
  });
});
