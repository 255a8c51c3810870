import { AsyncLocalStorage } from 'node:async_hooks';
import { type CallInfo, RpcError, ToolError } from '@mcp-platform/protocol';
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import { mcpSessionDigest } from '../audit/workflow-ids.ts';
import type { RuntimeFeature } from '../feature.ts';
import { errorCodeOf } from './backend-metrics.ts';

// MCP and GenAI attribute names of the OpenTelemetry semantic conventions (still "incubating" there,
// so copied rather than imported, as the semantic-conventions package recommends).
const MCP_METHOD_NAME = 'mcp.method.name';
const MCP_SESSION_ID = 'mcp.session.id';
const MCP_PROTOCOL_VERSION = 'mcp.protocol.version';
const MCP_RESOURCE_URI = 'mcp.resource.uri';
const GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
const GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name';

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface TracingOptions {
  /** OTLP/HTTP traces endpoint, e.g. http://otel-collector:4318/v1/traces. */
  endpoint: string;
  /** `service.name` (default: the server name). */
  serviceName: string;
  serviceVersion?: string;
  /** `server` attribute on every span (the audit rows' `server`). */
  server: string;
  sampler?: SamplerName;
  /** Share of traces the ratio samplers keep (0-1). */
  samplerRatio?: number;
  /** Longest wait between two exports (default 2 s). */
  scheduledDelayMs?: number;
}

/** Spans of one server: one per call (SERVER) and one per backend request (CLIENT) inside it. */
export interface CallTracing {
  feature: RuntimeFeature;
  /** Runs a backend operation in a CLIENT span, a child of the call being served (if any). */
  backend<T>(backend: string, operation: string, fn: () => Promise<T>): Promise<T>;
  /** The `traceparent` a backend request should carry: the current span's, else undefined. */
  traceparent(): string | undefined;
  /** Exports every finished span now. */
  flush(): Promise<void>;
}

function samplerOf(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

const GETTER: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** The incoming trace context of a call (from `_meta` or the headers, as the protocol layer chose). */
function parentOf(propagator: W3CTraceContextPropagator, call: CallInfo): Context {
  const { traceparent, tracestate } = call.ctx;
  if (traceparent === undefined) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate !== undefined) carrier.tracestate = tracestate;
  return propagator.extract(ROOT_CONTEXT, carrier, GETTER);
}

function errorTypeOf(error: unknown): string {
  if (error instanceof ToolError) return error.code;
  if (error instanceof RpcError) return `rpc_${error.code}`;
  return errorCodeOf(error);
}

const METHOD = { tool: 'tools/call', resource: 'resources/read', prompt: 'prompts/get' } as const;

/**
 * OpenTelemetry export over OTLP/HTTP with the official SDK. The provider is this server's own (not
 * the global one), so two servers in one process never mix their spans. Only loaded when export is
 * configured: with it off, nothing here is imported and no interceptor is installed.
 */
export function createTracing(options: TracingOptions): CallTracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
    }),
    sampler: samplerOf(options.sampler ?? 'parentbased_always_on', options.samplerRatio ?? 1),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: options.endpoint }),
        scheduledDelayMillis: options.scheduledDelayMs ?? 2_000,
      }),
    ],
  });
  const tracer: Tracer = provider.getTracer('@mcp-platform/runtime');
  const propagator = new W3CTraceContextPropagator();
  const current = new AsyncLocalStorage<Context>();

  const feature: RuntimeFeature = {
    name: 'tracing',
    stage: 'observe',
    interceptors: [
      async (call, next) => {
        const method = METHOD[call.kind];
        const span = tracer.startSpan(
          `${method} ${call.definitionName}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [MCP_METHOD_NAME]: method,
              [MCP_PROTOCOL_VERSION]: call.ctx.client.protocolVersion,
              'mcp.server': options.server,
              'mcp.correlation_id': call.ctx.correlationId,
              // The digest the audit row stores, never the session id itself (it is a bearer of client state).
              ...(call.ctx.sessionId === undefined
                ? {}
                : { [MCP_SESSION_ID]: mcpSessionDigest(call.ctx.sessionId) }),
              ...(call.kind === 'tool'
                ? { [GEN_AI_TOOL_NAME]: call.name, [GEN_AI_OPERATION_NAME]: 'execute_tool' }
                : call.kind === 'prompt'
                  ? { [GEN_AI_PROMPT_NAME]: call.name }
                  : { [MCP_RESOURCE_URI]: call.name }),
            },
          },
          parentOf(propagator, call),
        );
        try {
          const out = await current.run(trace.setSpan(ROOT_CONTEXT, span), next);
          if (out.isError === true) {
            const code = (out.structuredContent as { code?: unknown } | undefined)?.code;
            span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : 'tool_error');
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          return out;
        } catch (error) {
          span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    ],
    async close() {
      await provider.shutdown();
    },
  };

  return {
    feature,
    async backend(backend, operation, fn) {
      const parent = current.getStore();
      if (parent === undefined) return fn();
      const span: Span = tracer.startSpan(
        `${backend} ${operation}`,
        { kind: SpanKind.CLIENT, attributes: { 'peer.service': backend, 'backend.operation': operation } },
        parent,
      );
      try {
        return await current.run(trace.setSpan(parent, span), fn);
      } catch (error) {
        span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
    traceparent() {
      const span = current.getStore() && trace.getSpan(current.getStore() as Context);
      if (!span) return undefined;
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, {
        set: (c, k, v) => {
          c[k] = v;
        },
      });
      return carrier.traceparent;
    },
    flush: () => provider.forceFlush(),
  };
}
