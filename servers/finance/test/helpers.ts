import { createTestDatabase, type TestDatabase } from '@mcp-platform/test-support';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { FinanceBackend } from '../src/backends/finance-backend.ts';
import { SandboxBackend } from '../src/backends/sandbox.ts';
import { prepareSandbox } from '../src/backends/sandbox-schema.ts';
import { generateSeed, type SeedData } from '../src/backends/sandbox-seed.ts';
import { SapBackend, type SapBackendOptions } from '../src/backends/sap.ts';
import { DEFAULT_PAYMENT_TERMS, parsePaymentTerms } from '../src/payment-terms.ts';
import type { ToolDeps } from '../src/tools/inputs.ts';
import type { FakeS4Hana } from './fake/fake-s4hana.ts';

/** The fixed date the test data is generated around (the seed is deterministic given it). */
export const ANCHOR = '2026-11-23';
export const SEED = 20_261;

let cached: SeedData | undefined;
/** The sandbox's demo data, generated once per test file. */
export function seedData(): SeedData {
  cached ??= generateSeed(ANCHOR, SEED);
  return cached;
}

export const silentLog = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

/** A database of its own on the PostgreSQL at `adminUrl`, so suites never see each other's rows. */
export function freshDatabase(adminUrl: string, label: string): Promise<TestDatabase> {
  return createTestDatabase(adminUrl, `finance_${label}`);
}

export async function sandboxOn(databaseUrl: string): Promise<SandboxBackend> {
  const sandbox = new SandboxBackend(databaseUrl);
  await prepareSandbox(sandbox.pool, { anchorDate: ANCHOR, seed: SEED, data: seedData() });
  return sandbox;
}

/** An SAP backend on the fake S/4HANA (basic auth unless `overrides` say otherwise). */
export function sapOn(fake: FakeS4Hana, overrides: Partial<SapBackendOptions> = {}): SapBackend {
  return new SapBackend({
    baseUrl: fake.url,
    client: undefined,
    auth: { kind: 'basic', username: 'MCP_COMM_USER', password: 'secret-pass' },
    timeoutMs: 20_000,
    log: silentLog,
    ...overrides,
  });
}

export function depsFor(finance: FinanceBackend, overrides: Partial<ToolDeps> = {}): ToolDeps {
  return {
    finance,
    terms: parsePaymentTerms(DEFAULT_PAYMENT_TERMS),
    today: () => ANCHOR,
    aggregationBound: 20_000,
    secondApprovalAbove: { amount: '25000', currency: 'EUR' },
    ...overrides,
  };
}

/** A call context for backend calls outside a tool (tests). */
export const call = () => ({ signal: AbortSignal.timeout(60_000) });
