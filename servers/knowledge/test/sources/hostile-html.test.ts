import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
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
const answers = [];
process.stdin.once('data', async () => {
  for (let i = 0; i < 3; i++) {
    const response = await fetch(process.env.UPLOAD_URL + '&key=nested-' + i, {
      method: 'POST',
      headers: { 'content-type': 'text/html', authorization: 'Bearer ' + process.env.UPLOAD_TOKEN },
      body: html,
    });
    answers.push({ status: response.status, body: await response.json() });
  }
  process.stdout.write(JSON.stringify(answers));
  process.exit(0);
});
process.stdout.write('ready\\n');`;

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

/**
 * A heartbeat on its own thread of this process: it is starved by the same CPU contention as the
 * server under test (a loaded 2-core machine) but not by the server's event loop. Its lateness at
 * the time of each probe separates "the server's loop is blocked" from "this process is not scheduled".
 */
/** Starts the uploader process and waits until it is ready; `go()` runs the uploads and returns their answers. */
async function startUploader(url: string, token: string): Promise<{ go: () => Promise<string> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', UPLOADER], {
    env: { ...process.env, UPLOAD_URL: url, UPLOAD_TOKEN: token },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  while (!output.startsWith('ready\n')) {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', () => reject(new Error(`uploader exited before it was ready: ${output}`)));
    });
  }
  return {
    async go() {
      child.stdin.write('go\n');
      await exited;
      return output.slice('ready\n'.length);
    },
  };
}

function startHeartbeat(): { stop: () => Promise<Array<[at: number, lateMs: number]>> } {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const now = () => performance.timeOrigin + performance.now();
     const beats = [];
     let expected = now() + 5;
     const timer = setInterval(() => {
       const t = now();
       beats.push([t, Math.max(0, t - expected)]);
       expected = t + 5;
     }, 5);
     parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(beats); });`,
    { eval: true },
  );
  return {
    async stop() {
      const beats = new Promise<Array<[number, number]>>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const result = await beats;
      await worker.terminate();
      return result;
    },
  };
}

describeWithPostgres('knowledge server: a 5 MB maximally nested HTML upload', (databaseUrl) => {
  let stack: KnowledgeStack;

  beforeAll(async () => {
    stack = await startKnowledgeStack(databaseUrl, 'hostile_html');
  });
  afterAll(async () => stack?.close());

  it('is refused while /healthz keeps answering within 200 ms', async () => {
    const token = await stack.token('knowledge:ingest:OPS', 'docs-pipeline');
    const now = () => performance.timeOrigin + performance.now();
    const probeOnce = async (): Promise<[start: number, end: number]> => {
      const start = now();
      const response = await fetch(`${stack.url}/healthz`);
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      return [start, now()];
    };
    await probeOnce(); // connection and client warm-up, before the upload starts
    // The uploader process is started (a fork of this big process) before the probes begin.
    const uploads = await startUploader(`${stack.url}/ingest/documents?space=OPS`, token);
    const heartbeat = startHeartbeat();
    let done = false;
    const probes: Array<[number, number]> = [];
    const probe = (async () => {
      while (!done) probes.push(await probeOnce());
    })();
    try {
      // Three uploads, so the probes overlap every phase (body, hand-off, parsing, answer).
      const answers = JSON.parse(await uploads.go()) as Array<{ status: number; body: { error?: string } }>;
      expect(answers).toHaveLength(3);
      for (const answer of answers)
        expect(answer).toMatchObject({ status: 422, body: { error: 'TOO_COMPLEX' } });
    } finally {
      done = true;
      await probe;
    }
    const beats = await heartbeat.stop();
    expect(probes.length).toBeGreaterThan(0);
    // Every /healthz answer came within 200 ms, not counting the time this whole process was not
    // scheduled (the heartbeat thread's worst lateness during that probe, plus one beat).
    const excess = probes.map(([start, end]) => {
      const starved = Math.max(
        0,
        ...beats.filter(([at]) => at >= start && at <= end + 50).map(([, late]) => late),
      );
      return end - start - starved;
    });
    expect(Math.max(...excess)).toBeLessThan(200);
  }, 120_000);
});
