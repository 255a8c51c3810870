import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHtml } from '../../src/index/html.ts';
import { DEFAULT_LIMITS } from '../../src/index/prepare.ts';
import { PreparePool } from '../../src/index/prepare-pool.ts';
import { type KnowledgeStack, startKnowledgeStack } from '../stack.ts';

const FIVE_MB = 5_000_000;

/**
 * Uploads from another process, so this process's event loop (the server's) only serves: whatever
 * the probes measure is the server's own responsiveness, not the test client's 5 MB of work.
 */
const UPLOADER = `
const html = '<div>'.repeat(Math.floor(${FIVE_MB} / 5));
const response = await fetch(process.env.UPLOAD_URL, {
  method: 'POST',
  headers: { 'content-type': 'text/html', authorization: 'Bearer ' + process.env.UPLOAD_TOKEN },
  body: html,
});
process.stdout.write(JSON.stringify({ status: response.status, body: await response.json() }));`;

/** `<div>` nested as deep as 5 MB allows (the document the attack run used, scaled up). */
function nestedDivs(bytes: number): string {
  const open = '<div>';
  return open.repeat(Math.floor(bytes / open.length));
}

function rejectionOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('HTML parsing bounds its work', () => {
  it('refuses nesting and element counts past the limits, as the parser goes', () => {
    expect(rejectionOf(() => parseHtml(nestedDivs(FIVE_MB)))).toBe('TOO_COMPLEX');
    expect(rejectionOf(() => parseHtml('<p>x</p>'.repeat(250_000)))).toBe('TOO_COMPLEX');
    expect(rejectionOf(() => parseHtml(`${'<div>'.repeat(200)}deep but fine${'</div>'.repeat(200)}`))).toBe(
      undefined,
    );
  });

  it('prepares documents in worker threads, with a time budget that terminates a stuck one', async () => {
    const pool = new PreparePool({ size: 1, timeoutMs: 1 });
    try {
      const doc = {
        source: 'upload' as const,
        sourceKey: 'slow',
        space: { key: 'OPS' },
        contentType: 'html' as const,
        content: `<h1>t</h1>${'<p>x</p>'.repeat(100_000)}`,
      };
      await expect(pool.prepare(doc, DEFAULT_LIMITS)).rejects.toMatchObject({ code: 'TOO_COMPLEX' });
    } finally {
      await pool.close();
    }
    const ok = new PreparePool({ size: 1 });
    try {
      const prepared = await ok.prepare(
        {
          source: 'upload',
          sourceKey: 'ok',
          space: { key: 'OPS' },
          contentType: 'html',
          content: '<h1>Runbook</h1><p>Restart the pod.</p>',
        },
        DEFAULT_LIMITS,
      );
      expect(prepared).toMatchObject({ title: 'Runbook', spaceKey: 'OPS' });
      expect(prepared.updatedAt).toBeInstanceOf(Date);
    } finally {
      await ok.close();
    }
  });
});

describeWithPostgres('knowledge server: a 5 MB maximally nested HTML upload', (databaseUrl) => {
  let stack: KnowledgeStack;

  beforeAll(async () => {
    stack = await startKnowledgeStack(databaseUrl, 'hostile_html');
  });
  afterAll(async () => stack?.close());

  it('is refused while /healthz keeps answering within 200 ms', async () => {
    const token = await stack.token('knowledge:ingest', 'docs-pipeline');
    const probeOnce = async () => {
      const started = performance.now();
      const response = await fetch(`${stack.url}/healthz`);
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      return performance.now() - started;
    };
    await probeOnce(); // connection and client warm-up, before the upload starts
    let done = false;
    const latencies: number[] = [];
    const probe = (async () => {
      while (!done) latencies.push(await probeOnce());
    })();
    try {
      // Several uploads, so the probes overlap every phase (body, hand-off, parsing, answer).
      for (let i = 0; i < 3; i++) {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--input-type=module', '-e', UPLOADER],
          {
            env: {
              ...process.env,
              UPLOAD_URL: `${stack.url}/ingest/documents?key=nested-${i}&space=OPS`,
              UPLOAD_TOKEN: token,
            },
          },
        );
        const answer = JSON.parse(stdout) as { status: number; body: { error?: string } };
        expect(answer).toMatchObject({ status: 422, body: { error: 'TOO_COMPLEX' } });
      }
    } finally {
      done = true;
      await probe;
    }
    expect(latencies.length).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(200);
  }, 120_000);
});
