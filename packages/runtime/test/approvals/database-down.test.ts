import { Dispatcher } from '@mcp-platform/protocol';
import { afterAll, expect, it } from 'vitest';
import { createApprovalsFeature } from '../../src/approvals/index.ts';
import { RecordStore, testDefinition } from '../audit/support.ts';

// Nothing listens on port 1: every connection is refused at once.
const approvals = createApprovalsFeature({
  server: 'crm-test',
  databaseUrl: 'postgres://mcp:mcp@127.0.0.1:1/none',
});
afterAll(async () => {
  await approvals.close?.();
});

const ctx = {
  log: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} } as never,
  signal: new AbortController().signal,
  progress: () => {},
  caller: { subject: 'alice', kind: 'user' as const, clientId: 'c', scopes: [], claims: {} },
  client: { era: '2025' as const, protocolVersion: '2025-06-18' },
  correlationId: 'corr-1',
  touch: () => {},
  clientLog: () => {},
};

it('without its database an approval-gated write fails closed and retryable; reads are untouched', async () => {
  const store = new RecordStore();
  const dispatcher = new Dispatcher(testDefinition(store), { interceptors: approvals.interceptors });
  for (const args of [
    { id: '006A', stage: 'Won' },
    { id: '006A', stage: 'Won', approvalId: '00000000-0000-4000-8000-000000000001' },
  ]) {
    const result = await dispatcher.callTool({ name: 'update_stage', arguments: args }, ctx);
    expect(result).toMatchObject({
      isError: true,
      structuredContent: { code: 'APPROVAL_UNAVAILABLE', retryable: true },
    });
  }
  expect(store.writes).toEqual([]);
  const read = await dispatcher.callTool({ name: 'get_record', arguments: { id: '006A' } }, ctx);
  expect(read.isError).toBeUndefined();
  // Degraded, not unready: the pod keeps serving reads.
  expect(await approvals.ready?.()).toMatchObject({
    ok: true,
    detail: expect.stringContaining('approval-gated tools refused'),
  });
});
