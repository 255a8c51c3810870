import type { Caller, Interceptor, Policy, ToolAnnotations } from '@mcp-platform/protocol';
import type { FastifyInstance } from 'fastify';

/** Result of one dependency check for `/readyz`. */
export interface ReadinessCheck {
  ok: boolean;
  /** Short, non-secret description shown in `/readyz` (e.g. `postgres: connection refused`). */
  detail?: string;
}

/**
 * Where a feature's interceptors sit in the chain, outermost first:
 * `observe` (metrics, logging) → `audit` → `authorize` → `limit` (rate limits) → `approve` → `domain` → handler.
 * The observe stage sees every outcome (including refusals), audit records refusals and approvals,
 * nothing reaches the rate limiter without authorization, and approvals run only for calls that will run.
 */
export type FeatureStage = 'observe' | 'audit' | 'authorize' | 'limit' | 'approve' | 'domain';

export const STAGE_ORDER: readonly FeatureStage[] = [
  'observe',
  'audit',
  'authorize',
  'limit',
  'approve',
  'domain',
];

/**
 * One concern of the runtime (auth, rate limits, audit, approvals, metrics...). The server
 * composes features; a domain server never re-implements any of them.
 */
export interface RuntimeFeature {
  name: string;
  /** Position of the interceptors in the chain (default `domain`, innermost). Same stage: list order. */
  stage?: FeatureStage;
  /** Interceptors around tools/call, resources/read and prompts/get. Features are composed in a fixed order. */
  interceptors?: readonly Interceptor[];
  /** Which definitions a caller may see; all features must agree (logical AND). */
  isVisible?: (
    kind: 'tool' | 'resource' | 'prompt',
    policy: Policy,
    caller: Caller,
    annotations?: ToolAnnotations,
  ) => boolean;
  /** Registers hooks and routes on the root Fastify instance (runs before the MCP plugin). */
  register?: (app: FastifyInstance) => Promise<void> | void;
  /** Dependency check for `/readyz`. */
  ready?: () => Promise<ReadinessCheck>;
  /** Graceful shutdown: flush queues, close pools. Called after in-flight calls finished, innermost stage first (audit last). */
  close?: () => Promise<void>;
}
