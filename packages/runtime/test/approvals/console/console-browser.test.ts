import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditFeature } from '../../../src/audit/index.ts';
import {
  ARTIFACTS,
  agentFor,
  browserAvailable,
  type ConsoleStack,
  launchBrowser,
  runs,
  signIn,
  startConsoleStack,
  toolError,
} from './stack.ts';

const SUITE = 'approvals console in Chromium';
const available = browserAvailable(SUITE);

// A real browser on a shared 2-core machine: generous per-test time, no timing assertions.
describe.skipIf(!available)(SUITE, { timeout: 120_000 }, () => {
  let stack: ConsoleStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages: Array<{ name: string; page: Page }> = [];

  beforeAll(async () => {
    stack = await startConsoleStack(process.env.DATABASE_URL as string);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const newPage = async (name: string) => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    pages.push({ name, page });
    return page;
  };

  // Keep what the pages looked like when a test fails (CI uploads test-results/ as an artifact).
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      for (const { name, page } of pages) {
        const file = join(ARTIFACTS, `${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}-${name}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      }
    }
    pages.length = 0;
    for (const c of contexts.splice(0)) await c.close();
  });

  const requestOrder = async (ref: string, person = 'sam.sales') => {
    const agent = await agentFor(stack, person);
    const args = { ref, supplier: 'Contoso Ltd', amount: 12500 };
    const required = toolError(await agent.callTool({ name: 'place_order', arguments: args }));
    expect(required).toMatchObject({ code: 'APPROVAL_REQUIRED', policy: 'approver' });
    return { agent, args, approvalId: required.approvalId as string };
  };

  it('an approver signs in, sees the request with its preview, approves it, and the call runs exactly once', async () => {
    const { agent, args, approvalId } = await requestOrder('PO-1');
    const early = toolError(
      await agent.callTool({ name: 'place_order', arguments: { ...args, approvalId } }),
    );
    expect(early.code).toBe('APPROVAL_PENDING');

    const page = await newPage('approver');
    await signIn(page, stack.base, 'Mia Manager');
    await page.getByRole('heading', { name: 'Waiting for you' }).waitFor({ state: 'visible' });
    await page.getByRole('link', { name: 'Order PO-1 from Contoso Ltd for 12500 EUR' }).click();
    await page.waitForURL(`${stack.base}/approvals/requests/${approvalId}`);
    const main = page.locator('main');
    await main.getByText('Total value:').waitFor({ state: 'visible' });
    expect(await main.textContent()).toMatch(/12,500 EUR/);
    expect(await main.textContent()).toContain('sam.sales');
    expect(await page.locator('[data-untrusted="true"]').count()).toBe(1);
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      // docs/approvals.md shows this page: `UPDATE_DOCS_SCREENSHOT=1 pnpm exec vitest run <this file>`.
      await page.setViewportSize({ width: 1000, height: 760 });
      await page.screenshot({
        path: join(import.meta.dirname, '../../../../../docs/images/approvals-console.png'),
      });
    }
    await page.getByLabel(/Reason/).fill('Within budget');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('approved');

    const done = await agent.callTool({ name: 'place_order', arguments: { ...args, approvalId } });
    expect(done.isError).toBeFalsy();
    const again = toolError(
      await agent.callTool({ name: 'place_order', arguments: { ...args, approvalId } }),
    );
    expect(again.code).toBe('APPROVAL_ALREADY_USED');
    await agent.close();
    expect(runs.get('place_order:PO-1')).toBe(1);

    // The decided request shows its outcome, the resulting record and its audit rows (written in batches).
    await (stack.server.features.find((f) => f.name === 'audit') as AuditFeature).trail.flush();
    await page.goto(`${stack.base}/approvals/requests/${approvalId}`);
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('executed');
    await page.getByText('crm:Order/PO-1-1').waitFor({ state: 'visible' });
    expect(await page.locator('table').last().textContent()).toMatch(/approval\.approved[\s\S]*mia\.manager/);
  });

  it('an approver rejects with a reason; the requester learns why and nothing runs', async () => {
    const { agent, args, approvalId } = await requestOrder('PO-2');
    const page = await newPage('approver');
    await signIn(page, stack.base, 'Mia Manager', `/approvals/requests/${approvalId}`);
    await page.getByLabel(/Reason/).fill('Use the framework contract');
    await page.getByRole('button', { name: 'Reject' }).click();
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('rejected');
    const refused = toolError(
      await agent.callTool({ name: 'place_order', arguments: { ...args, approvalId } }),
    );
    await agent.close();
    expect(refused).toMatchObject({ code: 'APPROVAL_REJECTED', reason: 'Use the framework contract' });
    expect(runs.get('place_order:PO-2')).toBeUndefined();
  });

  it("the requester confirms their own `confirm` change in the console; the agent's re-call alone is refused", async () => {
    const agent = await agentFor(stack, 'sam.sales');
    const args = { id: '006-C1', stage: 'Negotiation' };
    const required = toolError(await agent.callTool({ name: 'set_stage', arguments: args }));
    const approvalId = required.approvalId as string;
    expect(required.confirmUrl).toBe(`${stack.base}/approvals/requests/${approvalId}`);
    const recall = toolError(await agent.callTool({ name: 'set_stage', arguments: { ...args, approvalId } }));
    expect(recall.code).toBe('APPROVAL_PENDING');
    expect(String(recall.hint)).toContain(`${stack.base}/approvals/requests/${approvalId}`);
    expect(runs.get('set_stage:006-C1')).toBeUndefined();

    // Another person cannot even see it, let alone confirm it.
    const other = await newPage('someone-else');
    await signIn(other, stack.base, 'Mia Manager');
    const hidden = await other.goto(`${stack.base}/approvals/requests/${approvalId}`);
    expect(hidden?.status()).toBe(404);

    const page = await newPage('requester');
    await signIn(page, stack.base, 'Sam Sales', `/approvals/requests/${approvalId}`);
    await page.getByRole('button', { name: 'Confirm this change' }).click();
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('approved');
    const done = await agent.callTool({ name: 'set_stage', arguments: { ...args, approvalId } });
    await agent.close();
    expect(done.isError).toBeFalsy();
    expect(runs.get('set_stage:006-C1')).toBe(1);
  });

  it('a requester who is also an approver cannot approve their own `approver` request, even by forging the form', async () => {
    const { agent, approvalId } = await requestOrder('PO-3', 'ada.admin');
    await agent.close();
    const page = await newPage('requester-approver');
    await signIn(page, stack.base, 'Ada Admin', `/approvals/requests/${approvalId}`);
    await page.getByText('This is your own request').waitFor({ state: 'visible' });
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    // Not in her own list of things to approve either.
    await page.goto(`${stack.base}/approvals/`);
    expect(await page.getByRole('link', { name: /PO-3/ }).count()).toBe(1); // listed as hers, not as decidable
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const forged = await page.request.post(`${stack.base}/approvals/requests/${approvalId}/decide`, {
      form: { csrf, decision: 'approved' },
      headers: { origin: stack.base },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('APPROVAL_SELF_DECISION');
    await page.goto(`${stack.base}/approvals/requests/${approvalId}`);
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('pending');
  });

  it('a replayed decision is refused: a decision is single-use', async () => {
    const { agent, approvalId } = await requestOrder('PO-4');
    await agent.close();
    const page = await newPage('approver');
    await signIn(page, stack.base, 'Mia Manager', `/approvals/requests/${approvalId}`);
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('approved');
    for (const decision of ['approved', 'rejected']) {
      const replay = await page.request.post(`${stack.base}/approvals/requests/${approvalId}/decide`, {
        form: { csrf, decision },
        headers: { origin: stack.base },
      });
      expect(replay.status()).toBe(409);
      expect(await replay.text()).toContain('APPROVAL_ALREADY_DECIDED');
    }
  });

  it('CSRF: a decision without the token, or posted from another site, is refused', async () => {
    const { agent, approvalId } = await requestOrder('PO-5');
    await agent.close();
    const page = await newPage('approver');
    await signIn(page, stack.base, 'Mia Manager', `/approvals/requests/${approvalId}`);
    const url = `${stack.base}/approvals/requests/${approvalId}/decide`;
    const noToken = await page.request.post(url, {
      form: { decision: 'approved' },
      headers: { origin: stack.base },
    });
    expect(noToken.status()).toBe(403);
    const wrongToken = await page.request.post(url, {
      form: { csrf: 'x'.repeat(43), decision: 'approved' },
      headers: { origin: stack.base },
    });
    expect(wrongToken.status()).toBe(403);

    // An attacker's page (another origin) auto-submits a form at the console in the approver's browser.
    const attacker: Server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<form id="f" method="post" action="${url}"><input name="decision" value="approved"><input name="csrf" value="guess"></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (attacker.address() as { port: number }).port;
      const response = page.waitForResponse((r) => r.url() === url);
      await page.goto(`http://localhost:${port}/`);
      expect((await response).status()).toBe(403);
    } finally {
      attacker.close();
    }
    await page.goto(`${stack.base}/approvals/requests/${approvalId}`);
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('pending');
  });

  it('a session cookie stolen into another origin is useless there', async () => {
    const page = await newPage('approver');
    await signIn(page, stack.base, 'Mia Manager');
    const [session] = (await page.context().cookies()).filter((c) => c.name === 'mcp-approvals');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const twin = await stack.startTwin();
    try {
      const thief = await newPage('thief');
      await thief.context().addCookies([{ ...session!, domain: '127.0.0.1', path: '/approvals/' }]);
      await thief.goto(`${twin.base}/approvals/`);
      // Not signed in there: sent to the identity provider instead of the list.
      expect(thief.url()).toContain(stack.idp.issuer);
      expect(await thief.getByRole('heading', { name: 'Waiting for you' }).count()).toBe(0);
    } finally {
      await twin.close();
    }
  });
});
