import type { ServerDefinition } from '@mcp-platform/protocol';
import { describeWithPostgres } from '@mcp-platform/test-support';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { askForName, askName } from '../../../protocol/test/ask-name.ts';
import { type FullStack, startFullStack } from '../../src/testing/full-stack.ts';
import { createTestDatabase } from '../audit/support.ts';
import { bearer, postMcp } from '../helpers.ts';

/**
 * Issue 9, "also noted": an answer to a 2025-era server-to-client request (here an elicitation) is
 * delivered only when it comes from the principal and session the request was sent to. Another
 * token holding the request id, or the same user from another session, is refused (403) and audited.
 */
const definition: ServerDefinition = {
  name: 'asker',
  version: '1.0.0',
  tools: [askName],
};

describeWithPostgres('answers to server-to-client requests are bound to their recipient', (databaseUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: FullStack;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'answer_binding');
    stack = await startFullStack({
      definition,
      databaseUrl: db.url,
      env: { LOG_LEVEL: 'silent' },
      features: [{ name: 'ask-for-name', interceptors: [askForName] }],
    });
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await stack?.close();
    await db?.drop();
  });

  async function connect(
    token: string,
    onElicit: (requestId: string) => Promise<void> = async () => {},
  ): Promise<{ client: Client; sessionId: string }> {
    const client = new Client(
      { name: 'binding-test', version: '1.0.0' },
      { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'legacy' } },
    );
    client.setRequestHandler('elicitation/create', async (_request, ctx) => {
      await onElicit(String(ctx.mcpReq.id));
      return { action: 'accept', content: { name: 'Ada' } } as never;
    });
    const transport = new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return { client, sessionId: transport.sessionId ?? '' };
  }

  /** A forged answer to `requestId`, POSTed with another token (and session, when given). */
  async function answer(requestId: string, token: string, sessionId?: string): Promise<number> {
    const { status } = await postMcp(
      stack.url,
      { id: requestId, result: { action: 'accept', content: { name: 'Mallory' } } },
      { ...bearer(token), ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }) },
    );
    return status;
  }

  it('refuses another principal and another session of the same user; the recipient’s answer still counts', async () => {
    const aliceToken = await stack.token('asker:read', 'alice@example.com');
    const malloryToken = await stack.token('asker:read', 'mallory@example.com');
    const other = await connect(aliceToken);
    expect(other.sessionId).not.toBe('');
    const statuses: number[] = [];
    let claimedId = '';
    const alice = await connect(aliceToken, async (requestId) => {
      claimedId = requestId;
      // Mallory holds the id (a leak, a shared log): her token is not the one it was sent to.
      statuses.push(await answer(requestId, malloryToken));
      // Alice herself, but from another session of hers.
      statuses.push(await answer(requestId, aliceToken, other.sessionId));
    });
    const result = await alice.client.callTool({ name: 'ask_name', arguments: {} });
    expect(statuses).toEqual([403, 403]);
    expect(result.content).toEqual([{ type: 'text', text: 'Hello Ada' }]);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      let rows: Array<{
        subject: string;
        outcome: string;
        error_code: string;
        detail: { requestId: string };
      }> = [];
      for (let attempt = 0; attempt < 100 && rows.length < 2; attempt++) {
        ({ rows } = await client.query(
          `SELECT subject, outcome, error_code, detail FROM audit_log WHERE event = 'answer.refused' ORDER BY seq`,
        ));
        if (rows.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(rows.map((r) => [r.subject, r.outcome, r.error_code, r.detail.requestId])).toEqual([
        ['mallory@example.com', 'denied', 'ANSWER_NOT_YOURS', claimedId],
        ['alice@example.com', 'denied', 'ANSWER_NOT_YOURS', claimedId],
      ]);
    } finally {
      await client.end();
    }
  });
});
