import { EventEmitter, once } from 'node:events';
import { Writable } from 'node:stream';
import {
  type CallContext,
  type ContentResult,
  Dispatcher,
  definePrompt,
  defineResource,
  defineTool,
  mcpPlugin,
  type ServerDefinition,
  ToolError,
} from '@mcp-platform/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';

/**
 * A small server built from the protocol package for the wire rules the official suite does not
 * check: a structured tool with a strict schema, an expected failure, an unexpected crash, a
 * progress-reporting tool whose cancellation is observable, and lists long enough to paginate.
 */

export const SECRET_DETAIL = 'secret internal detail at /srv/app/db.ts:42';

/** Emits `aborted` (with the abort reason) when the slow tool's signal fires, `finished` when it completes. */
export const slowToolEvents = new EventEmitter();

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

const echo = defineTool({
  name: 'echo',
  description: 'Echoes a message a number of times.',
  input: z.object({
    message: z.string().min(1).max(200).describe('Text to echo'),
    times: z.number().int().min(1).max(5).default(1).describe('How many times'),
  }),
  output: z.object({ echoed: z.array(z.string()) }),
  annotations: { readOnlyHint: true },
  handler: async ({ message, times }) => ({ echoed: Array.from({ length: times }, () => message) }),
});

const fail = defineTool({
  name: 'fail',
  description: 'Always fails with an expected, retryable error.',
  input: z.object({}),
  handler: async (): Promise<ContentResult> => {
    throw new ToolError('UPSTREAM_UNAVAILABLE', 'The ticketing system is busy', {
      retryable: true,
      hint: 'Wait a minute and call again.',
    });
  },
});

const crash = defineTool({
  name: 'crash',
  description: 'Fails with an unexpected exception.',
  input: z.object({}),
  handler: async (): Promise<ContentResult> => {
    throw new Error(SECRET_DETAIL);
  },
});

const slow = defineTool({
  name: 'slow_progress',
  description: 'Reports progress every 50 ms for up to 10 s; observable cancellation.',
  input: z.object({}),
  handler: async (_args, ctx: CallContext) => {
    try {
      for (let step = 1; step <= 200; step++) {
        ctx.progress(step, 200, `step ${step}`);
        await wait(50, ctx.signal);
      }
    } catch (error) {
      if (ctx.signal.aborted) slowToolEvents.emit('aborted', ctx.signal.reason);
      throw error;
    }
    slowToolEvents.emit('finished');
    return { content: [{ type: 'text', text: 'finished' }] };
  },
});

/** Tools beyond the first page: `extra_0` … `extra_{n-1}`. */
const extras = Array.from({ length: 3 }, (_, i) =>
  defineTool({
    name: `extra_${i}`,
    description: `Extra tool ${i}`,
    input: z.object({}),
    handler: async (): Promise<ContentResult> => ({ content: [{ type: 'text', text: String(i) }] }),
  }),
);

const prompts = Array.from({ length: 3 }, (_, i) =>
  definePrompt({
    name: `prompt_${i}`,
    description: `Prompt ${i}`,
    get: async () => ({ messages: [{ role: 'user', content: { type: 'text', text: `prompt ${i}` } }] }),
  }),
);

const resources = Array.from({ length: 3 }, (_, i) =>
  defineResource({
    uri: `rules://doc/${i}`,
    name: `doc_${i}`,
    mimeType: 'text/plain',
    read: async () => [{ uri: `rules://doc/${i}`, mimeType: 'text/plain', text: `doc ${i}` }],
  }),
);

export const rulesDefinition: ServerDefinition = {
  name: 'http-rules',
  version: '1.0.0',
  tools: [echo, fail, crash, slow, ...extras],
  prompts,
  resources,
};

export const TOOL_NAMES = rulesDefinition.tools!.map((t) => t.name);

export interface RulesServerOptions {
  fastPath: boolean;
  pageSize?: number;
  maxBodyBytes?: number;
  allowedOrigins?: string[];
  /** Receives every log line (JSON) the app writes at `error` level and above. */
  logLines?: string[];
}

export async function buildRulesServer(options: RulesServerOptions): Promise<FastifyInstance> {
  const lines = options.logLines;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines?.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'error', stream } });
  await app.register(mcpPlugin, {
    dispatcher: new Dispatcher(rulesDefinition, { pageSize: options.pageSize ?? 100 }),
    requestStateSecret: 'http-rules-test-request-state-secret-0123456789',
    fastPath: options.fastPath,
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
  });
  return app;
}

/** Resolves with the abort reason the next time the slow tool is cancelled. */
export function nextAbort(): Promise<unknown> {
  return once(slowToolEvents, 'aborted').then(([reason]) => reason);
}
