import { setTimeout as sleep } from 'node:timers/promises';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

// The official SDK v2 client against a server's Service, authenticated with a service token; and a
// load driver that keeps calling through the Service and records every failure.

export async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'cluster-suite', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

interface ListedTool {
  name: string;
  inputSchema: { required?: string[] };
  annotations?: { readOnlyHint?: boolean };
}

/**
 * A read-only tool that answers a call without arguments: what a load driver can call on any
 * server. A schema without required properties is not enough (a tool may need one of several, like
 * itsm's find_related_to_alert), so each candidate is called once and the first that answers
 * without an error is taken.
 */
export async function argumentFreeReadTool(client: Client): Promise<string | undefined> {
  const { tools } = (await client.listTools()) as { tools: ListedTool[] };
  const candidates = tools.filter(
    (t) => t.annotations?.readOnlyHint === true && (t.inputSchema.required ?? []).length === 0,
  );
  for (const { name } of candidates) {
    const result = await client.callTool({ name, arguments: {} });
    if (!result.isError) return name;
  }
  return undefined;
}

export interface Load {
  /** Stops the workers and resolves with what they saw. */
  stop(): Promise<LoadReport>;
  /** Requests answered so far. */
  readonly succeeded: number;
}

export interface LoadReport {
  succeeded: number;
  failures: string[];
}

/**
 * `listers` workers call tools/list back to back; one more calls `tool` (if given) every
 * `callEveryMs` (below the servers' per-tool rate limit). Every thrown error and every `isError`
 * result is a failure.
 */
export async function drive(
  url: string,
  token: string,
  options: { listers: number; tool?: string; callEveryMs: number },
): Promise<Load> {
  let running = true;
  let succeeded = 0;
  const failures: string[] = [];
  const record = (what: string, error: unknown) =>
    failures.push(`${new Date().toISOString()} ${what}: ${(error as Error)?.message ?? String(error)}`);
  const { tool } = options;
  const clients = await Promise.all(Array.from({ length: options.listers + 1 }, () => connect(url, token)));
  const listers = clients.slice(1).map(async (client) => {
    while (running) {
      try {
        const { tools } = await client.listTools();
        if (tools.length === 0) throw new Error('tools/list answered no tool');
        succeeded++;
      } catch (error) {
        record('tools/list', error);
      }
    }
  });
  const caller = (async () => {
    const client = clients[0]!;
    while (running && tool !== undefined) {
      const started = Date.now();
      try {
        const result = await client.callTool({ name: tool, arguments: {} });
        if (result.isError) throw new Error(`isError: ${JSON.stringify(result.content).slice(0, 500)}`);
        succeeded++;
      } catch (error) {
        record(`tools/call ${tool}`, error);
      }
      await sleep(Math.max(0, options.callEveryMs - (Date.now() - started)));
    }
  })();
  return {
    get succeeded() {
      return succeeded;
    },
    async stop() {
      running = false;
      await Promise.all([...listers, caller]);
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      return { succeeded, failures };
    },
  };
}
