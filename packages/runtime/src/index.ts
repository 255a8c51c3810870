/**
 * The public surface of @mcp-platform/runtime: what a domain server (and the cross-server suites)
 * use. Everything else is internal; `packages/runtime/test/exports.test.ts` guards this list, so
 * adding an export is a deliberate change. Test helpers live on `@mcp-platform/runtime/testing`.
 */
export type { ApprovalsFeature } from './approvals/index.ts';
export type { AuditFeature } from './audit/index.ts';
// Named in the inferred types of servers' config schemas (declaration emit needs them).
export type { RoleScopeMap } from './auth/roles.ts';
export type { ServiceTokenEntry } from './auth/service-tokens.ts';
export type { BootContext, DatabaseNeeds, MigrationPlan } from './boot.ts';
export { callScopedAgent } from './cancellation.ts';
export {
  type BaseConfigInput,
  baseConfigSchema,
  loadConfig,
  parseEnv,
  type ResolvedBase,
  type RuntimeConfig,
} from './config.ts';
export { offlineDependency, packageVersion } from './contract/build.ts';
export type { Contract } from './contract/model.ts';
export { verifyServer } from './contract/verify.ts';
export { checkServer, loadServers } from './contract/workspace.ts';
export { ConfigError } from './errors.ts';
export type { ReadinessCheck, RuntimeFeature } from './feature.ts';
export {
  pageOutput,
  pageResult,
  type RecordRendering,
  recordRendering,
} from './list-result.ts';
export { type BackendMetrics, backendMetrics } from './observability/backend-metrics.ts';
export { createMetrics, type RuntimeMetrics } from './observability/metrics.ts';
export { queryWithCallSignal } from './pg-cancel.ts';
export {
  type BootInfo,
  type LoadedConfig,
  type RunServerOptions,
  runServer,
  type ServerParts,
} from './run.ts';
export { type CreateServerOptions, createServer, type RuntimeServer } from './server.ts';
export {
  type DataFlags,
  dataFlagsSchema,
  detectInstructions,
  flagBackendData,
  markUntrusted,
  neutraliseUntrusted,
  suspectPatternsAt,
  type UntrustedFlags,
  untrustedFlags,
  withDataFlags,
  wrapUntrusted,
} from './untrusted.ts';
