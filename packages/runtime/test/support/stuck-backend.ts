import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineTool, type ServerDefinition } from '@mcp-platform/protocol';
import { z } from 'zod';
import { acmeDefinition } from '../fixtures.ts';

/** A backend at the edge of the world that accepts requests and never answers them. */
export interface StuckBackend {
  url: string;
  /** Requests received so far. */
  readonly received: number;
  /** Requests whose connection the client has not closed yet. */
  readonly open: number;
  /** Drops the connections still held (what a process exit would do to its own). */
  drop(): void;
  close(): Promise<void>;
}

export async function startStuckBackend(): Promise<StuckBackend> {
  const held = new Set<http.ServerResponse>();
  let received = 0;
  const server = http.createServer((_req, res) => {
    received++;
    held.add(res);
    res.once('close', () => held.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get received() {
      return received;
    },
    get open() {
      return held.size;
    },
    drop: () => {
      for (const res of held) res.destroy();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function backendUrl(): string {
  const url = process.env.STUCK_BACKEND_URL;
  if (!url) throw new Error('STUCK_BACKEND_URL is not set');
  return url;
}

/** Asks the stuck backend, passing the call's signal (a well-behaved adapter). */
export const askBackend = defineTool({
  name: 'ask_backend',
  description: 'Asks the backend, honouring cancellation.',
  input: z.object({}),
  annotations: { readOnlyHint: true },
  handler: async (_args, ctx) => {
    const response = await fetch(backendUrl(), { signal: ctx.signal });
    return { content: [{ type: 'text', text: await response.text() }] };
  },
});

/** Asks the stuck backend and ignores its signal (a badly behaved adapter). */
export const askBackendBlindly = defineTool({
  name: 'ask_backend_blindly',
  description: 'Asks the backend, ignoring cancellation.',
  input: z.object({}),
  annotations: { readOnlyHint: true },
  handler: async () => {
    const response = await fetch(backendUrl());
    return { content: [{ type: 'text', text: await response.text() }] };
  },
});

export function stuckDefinition(): ServerDefinition {
  const acme = acmeDefinition();
  return { ...acme, tools: [...(acme.tools ?? []), askBackend, askBackendBlindly] };
}
