import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { DEMO_PEOPLE, type DevIdp, startDevIdp } from '@mcp-platform/dev-idp';
import { defineTool, type ServerDefinition } from '@mcp-platform/protocol';
import { createTestDatabase, loudSkip, type TestDatabase } from '@mcp-platform/test-support';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type Browser, chromium, type Page } from 'playwright-core';
import { z } from 'zod';
import { migrate } from '../../../src/audit/migrate.ts';
import { baseConfigSchema, loadConfig } from '../../../src/config.ts';
import { createServer, type RuntimeServer } from '../../../src/server.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Screenshots of failed browser tests (gitignored; CI keeps the folder as an artifact). */
export const ARTIFACTS = join(import.meta.dirname, '../../../../../test-results/approvals-console');

/** Whether the browser suite can run here; says loudly why not. */
export function browserAvailable(suite: string): boolean {
  if (!process.env.DATABASE_URL) {
    loudSkip(suite, 'set DATABASE_URL (PostgreSQL 15+) to run it');
    return false;
  }
  if (!existsSync(CHROMIUM)) {
    loudSkip(
      suite,
      `no Chromium at ${CHROMIUM}: run scripts/setup-toolchain.sh (installs Debian's chromium) or set CHROMIUM_PATH`,
    );
    return false;
  }
  return true;
}

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });

/** Someone who may both request and approve CRM changes (to prove nobody approves their own request). */
export const ADA = {
  id: 'ada.admin',
  name: 'Ada Admin',
  email: 'ada.admin@example.test',
  title: 'Sales lead (requests and approves)',
  roles: ['sales-rep', 'sales-manager'],
};

/** Counts of handler runs per tool: a change must run exactly once. */
export const runs = new Map<string, number>();

export function crmLikeDefinition(): ServerDefinition {
  const setStage = defineTool({
    name: 'set_stage',
    title: 'Move an opportunity',
    description: 'Moves an opportunity to another stage (confirmed by the requester).',
    input: z.object({ id: z.string(), stage: z.string() }),
    policy: { approval: 'confirm' },
    preview: async ({ id, stage }) => ({
      summary: `Move opportunity ${id} to ${stage}`,
      changes: { StageName: { from: 'Prospecting', to: stage } },
      records: [`crm:Opportunity/${id}`],
    }),
    handler: async ({ id, stage }, ctx) => {
      runs.set(`set_stage:${id}`, (runs.get(`set_stage:${id}`) ?? 0) + 1);
      ctx.touch(`crm:Opportunity/${id}`);
      return { content: [{ type: 'text', text: `${id} is now ${stage}` }] };
    },
  });
  const placeOrder = defineTool({
    name: 'place_order',
    title: 'Place a purchase order',
    description: 'Places an order (needs an approver).',
    input: z.object({ ref: z.string(), supplier: z.string(), amount: z.number() }),
    policy: { approval: 'approver' },
    preview: async ({ ref, supplier, amount }) => ({
      summary: `Order ${ref} from ${supplier} for ${amount} EUR`,
      changes: { Supplier: { to: supplier }, Amount: { to: amount } },
      records: [`crm:Order/${ref}`],
      total: { amount, currency: 'EUR' },
    }),
    handler: async ({ ref }, ctx) => {
      runs.set(`place_order:${ref}`, (runs.get(`place_order:${ref}`) ?? 0) + 1);
      ctx.touch(`crm:Order/${ref}-1`);
      return { content: [{ type: 'text', text: `order ${ref} placed` }] };
    },
  });
  return { name: 'crm', version: '1.0.0', tools: [setStage, placeOrder] };
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface ConsoleStack {
  idp: DevIdp;
  db: TestDatabase;
  base: string;
  server: RuntimeServer;
  /** Another server (own origin) sharing the console secret: for the stolen-cookie test. */
  startTwin(): Promise<{ base: string; close: () => Promise<void> }>;
  close(): Promise<void>;
}

const SESSION_SECRET = 'console-test-session-secret-0123456789abcdef';

async function startServer(idp: DevIdp, db: TestDatabase, port: number): Promise<RuntimeServer> {
  const base = `http://127.0.0.1:${port}`;
  idp.addResource({ uri: `${base}/mcp`, server: 'crm' });
  const clientId = `console-${port}`;
  await idp.addClient({
    client_id: clientId,
    client_secret: `secret-${port}-0123456789`,
    redirect_uris: [`${base}/approvals/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });
  const config = loadConfig(baseConfigSchema, {
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'silent',
    AUTH_MODE: 'oauth',
    OAUTH_ISSUER: idp.issuer,
    DATABASE_URL: db.url,
    REQUEST_STATE_SECRET: 'console-test-request-state-secret-0123456789',
    CONSOLE_OIDC_CLIENT_ID: clientId,
    CONSOLE_OIDC_CLIENT_SECRET: `secret-${port}-0123456789`,
    CONSOLE_SESSION_SECRET: SESSION_SECRET,
    AUDIT_SPOOL_DIR: join(ARTIFACTS, `spool-${port}`),
  });
  const server = await createServer({ definition: crmLikeDefinition(), config });
  await server.listen();
  return server;
}

export async function startConsoleStack(databaseUrl: string): Promise<ConsoleStack> {
  await mkdir(ARTIFACTS, { recursive: true });
  const db = await createTestDatabase(databaseUrl, 'approvals_console');
  await migrate(db.url);
  const idp = await startDevIdp({ people: [...DEMO_PEOPLE, ADA] });
  const port = await freePort();
  const server = await startServer(idp, db, port);
  return {
    idp,
    db,
    base: `http://127.0.0.1:${port}`,
    server,
    async startTwin() {
      const twinPort = await freePort();
      const twin = await startServer(idp, db, twinPort);
      return { base: `http://127.0.0.1:${twinPort}`, close: () => twin.app.close() };
    },
    async close() {
      await server.app.close();
      await idp.close();
      await db.drop();
    },
  };
}

/** The agent's side: a real MCP client (SDK v2, 2025 era: no inline elicitation) signed in as `person`. */
export async function agentFor(stack: ConsoleStack, person: string): Promise<Client> {
  const tokens = await stack.idp.tokensFor({
    person,
    resource: `${stack.base}/mcp`,
    scope: 'openid crm:read crm:write',
  });
  const client = new Client(
    { name: 'agent-under-test', version: '1.0.0' },
    { versionNegotiation: { mode: 'legacy' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${stack.base}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${tokens.accessToken}` } },
    }),
  );
  return client;
}

export function toolError(result: unknown): Record<string, unknown> & { code: string } {
  const r = result as { isError?: boolean; structuredContent?: Record<string, unknown> };
  if (r.isError !== true) throw new Error(`expected a tool error, got ${JSON.stringify(result)}`);
  return r.structuredContent as Record<string, unknown> & { code: string };
}

/** Signs in through the dev IdP's page in the browser, as a person would. */
export async function signIn(
  page: Page,
  base: string,
  personName: string,
  path = '/approvals/',
): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.getByRole('button', { name: `Sign in as ${personName}` }).click();
  // The callback page hands over to the wanted page with a same-site navigation (meta refresh).
  await page.waitForURL(
    (url) => url.href.startsWith(`${base}${path}`) && !url.pathname.endsWith('/callback'),
  );
  await page.waitForLoadState('load');
}
