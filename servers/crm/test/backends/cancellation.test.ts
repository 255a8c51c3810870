import { ANONYMOUS, type CallContext, Dispatcher } from '@mcp-platform/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crmDefinition } from '../../src/app.ts';
import type { SalesforceBackend } from '../../src/backends/salesforce.ts';
import { type FakeSalesforce, startFakeSalesforce } from '../fake-salesforce.ts';
import { ANCHOR, background, salesforceOn, silentLog } from '../helpers.ts';

/**
 * A stuck Salesforce org: the call ends at its deadline with TIMEOUT, and the request jsforce made
 * is aborted (the org sees the connection close), so nothing keeps running after the answer.
 */
let fake: FakeSalesforce;
let crm: SalesforceBackend;

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

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  fake = await startFakeSalesforce({ anchorDate: ANCHOR });
  crm = salesforceOn(fake);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

describe('Salesforce requests end with their call', () => {
  it('a call against an org that never answers ends TIMEOUT at its deadline and its request is aborted', async () => {
    await crm.searchAccounts({ limit: 1 }, background); // a session exists: the hang hits the query itself
    fake.hang(/\/query$/);
    const dispatcher = new Dispatcher(crmDefinition({ crm, today: () => ANCHOR }), { callTimeoutMs: 300 });
    const result = await dispatcher.callTool(
      { name: 'search_accounts', arguments: { name: 'Acme' } },
      context(new AbortController().signal),
    );
    expect(result).toMatchObject({ isError: true, structuredContent: { code: 'TIMEOUT', retryable: true } });
    expect(fake.requests.some((r) => r.soql?.includes('Acme'))).toBe(true);
    await until(() => fake.hanging === 0, 'the org to see the request closed');
  });

  it('a client that goes away cancels the request too', async () => {
    await crm.searchAccounts({ limit: 1 }, background);
    fake.hang(/\/query$/);
    const dispatcher = new Dispatcher(crmDefinition({ crm, today: () => ANCHOR }), { callTimeoutMs: 60_000 });
    const client = new AbortController();
    const call = dispatcher.callTool(
      { name: 'search_accounts', arguments: { name: 'Globex' } },
      context(client.signal),
    );
    await until(() => fake.hanging === 1, 'the query to reach the org');
    client.abort(new Error('client closed the response stream'));
    expect(await call).toMatchObject({ isError: true, structuredContent: { code: 'CANCELLED' } });
    await until(() => fake.hanging === 0, 'the org to see the request closed');
  });
});
