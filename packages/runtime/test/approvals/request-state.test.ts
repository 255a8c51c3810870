import { describeWithPostgres } from '@mcp-platform/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApprovalsFeature, createApprovalsFeature } from '../../src/approvals/index.ts';
import { migrate } from '../../src/audit/index.ts';
import { buildApp, createTestDatabase, mintState, RecordStore, testDefinition } from '../audit/support.ts';

/** One raw 2026-07-28 JSON-RPC request, as an elicitation-capable client would send it. */
function modern(user: string, params: Record<string, unknown>) {
  return {
    method: 'POST' as const,
    url: '/mcp',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': String(params.name),
      'x-test-user': user,
    },
    payload: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
        },
      },
    }),
  };
}

function messageOf(body: string): {
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
} {
  const data = body.split('\n').find((line) => line.startsWith('data: '));
  return JSON.parse(data ? data.slice(6) : body);
}

describeWithPostgres('approvals: the inline confirmation state', (databaseUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: FastifyInstance;
  let approvals: ApprovalsFeature;
  const store = new RecordStore();
  const args = { id: '006A', stage: 'Negotiation' };

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'approvals_state');
    await migrate(db.url);
    approvals = createApprovalsFeature({ server: 'crm-test', databaseUrl: db.url, mintState });
    app = await buildApp(testDefinition(store), [approvals]);
  });
  afterAll(async () => {
    await app?.close();
    await approvals?.close?.();
    await db?.drop();
  });

  const askAlice = async () => {
    const first = messageOf(
      (await app.inject(modern('alice', { name: 'update_stage', arguments: args }))).body,
    );
    expect(first.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: {
        approval: {
          method: 'elicitation/create',
          params: {
            mode: 'form',
            requestedSchema: { properties: { approve: { type: 'boolean' } }, required: ['approve'] },
          },
        },
      },
    });
    return first.result!.requestState as string;
  };
  const approve = { approval: { action: 'accept', content: { approve: true } } };

  it('a forged or altered requestState is rejected by the protocol layer before any tool code runs', async () => {
    const state = await askAlice();
    const altered = `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const requestState of ['v1.forged.state', altered]) {
      const reply = messageOf(
        (
          await app.inject(
            modern('alice', { name: 'update_stage', arguments: args, inputResponses: approve, requestState }),
          )
        ).body,
      );
      expect(reply.error?.code).toBe(-32602);
    }
    expect(store.writes).toEqual([]);
  });

  it("another user replaying alice's requestState and answer cannot run her change", async () => {
    const state = await askAlice();
    const stolen = messageOf(
      (
        await app.inject(
          modern('mallory', {
            name: 'update_stage',
            arguments: args,
            inputResponses: approve,
            requestState: state,
          }),
        )
      ).body,
    );
    expect(stolen.result).toMatchObject({ isError: true, structuredContent: { code: 'APPROVAL_INVALID' } });
    // Alice with changed arguments under her own state: refused too.
    const tampered = messageOf(
      (
        await app.inject(
          modern('alice', {
            name: 'update_stage',
            arguments: { ...args, stage: 'Closed Won' },
            inputResponses: approve,
            requestState: state,
          }),
        )
      ).body,
    );
    expect(tampered.result).toMatchObject({
      isError: true,
      structuredContent: { code: 'APPROVAL_ARGUMENTS_MISMATCH' },
    });
    expect(store.writes).toEqual([]);
    const ok = messageOf(
      (
        await app.inject(
          modern('alice', {
            name: 'update_stage',
            arguments: args,
            inputResponses: approve,
            requestState: state,
          }),
        )
      ).body,
    );
    expect(ok.result).toMatchObject({ resultType: 'complete' });
    expect(ok.result?.isError).toBeFalsy();
    expect(store.writes).toEqual([{ id: '006A', stage: 'Negotiation' }]);
  });
});
