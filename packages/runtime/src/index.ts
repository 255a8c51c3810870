export {
  APPROVAL_ARGUMENT,
  ApprovalCode,
  ApprovalNotifier,
  type ApprovalsFeature,
  type ApprovalsFeatureOptions,
  createApprovalsFeature,
  needsApproval,
  webhookSignature,
  withApprovalArgument,
} from './approvals/index.ts';
export {
  AUDIT_UNAVAILABLE,
  type AuditFeature,
  type AuditFeatureOptions,
  type AuditQuery,
  type AuditQueryRow,
  AuditTrail,
  createAuditFeature,
  createPool,
  type MigrateOptions,
  migrate,
  queryAudit,
  type VerifyReport,
  verifyChains,
} from './audit/index.ts';
export { type AuthenticationOptions, authenticationFeature } from './auth/authentication.ts';
export { type ClaimMapping, callerFromClaims, callerFromServiceToken } from './auth/caller.ts';
export { type BearerChallenge, bearerChallenge } from './auth/challenge.ts';
export { createJwtVerifier, discoverJwksUrl, type JwtVerifier, type JwtVerifierOptions } from './auth/jwt.ts';
export { metadataPath } from './auth/metadata.ts';
export { claimValues, parseRoleScopes, type RoleScopeMap } from './auth/roles.ts';
export { allScopes, authorizationFeature, hasAnyScope, readScopes, requiredScopes } from './auth/scopes.ts';
export {
  hashServiceToken,
  matchServiceToken,
  parseServiceTokens,
  type ServiceTokenEntry,
} from './auth/service-tokens.ts';
export {
  type BootContext,
  type DatabaseNeeds,
  type MigrateServerOptions,
  type MigrationPlan,
  migrateServer,
} from './boot.ts';
export { abortWithCallSignal, callScopedAgent } from './cancellation.ts';
export {
  ASYMMETRIC_ALGORITHMS,
  type BaseConfigInput,
  baseConfigSchema,
  loadConfig,
  parseEnv,
  type ResolvedBase,
  type RuntimeConfig,
} from './config.ts';
export {
  buildContract,
  type ContractOptions,
  contentHash,
  contractText,
  offlineDependency,
  packageVersion,
} from './contract/build.ts';
export { type ContractVerdict, changelogEntry, formatVerdict, judge } from './contract/check.ts';
export { deprecationFeature } from './contract/deprecation.ts';
export { type ContractChange, type ContractDiff, diffContracts } from './contract/diff.ts';
export { aiCatalog, registryServerJson, serverCard } from './contract/discovery.ts';
export { contractFeature } from './contract/feature.ts';
export {
  CATALOG_HASH_META_KEY,
  CONTRACT_FORMAT,
  CONTRACT_PATH,
  type Contract,
  type ContractPrompt,
  type ContractResource,
  type ContractResourceTemplate,
  type ContractServer,
  type ContractTool,
  type EntryKind,
  SERVER_JSON_PATH,
} from './contract/model.ts';
export {
  type ChangeLevel,
  compareSchemas,
  type Direction,
  type SchemaChange,
} from './contract/schema-diff.ts';
export { bumpLevel, nextVersion, parseSemver } from './contract/semver.ts';
export { recomputeHash, type VerifyOptions, type VerifyResult, verifyServer } from './contract/verify.ts';
export {
  checkServer,
  loadServerPackage,
  loadServers,
  type ServerCheck,
  type ServerPackage,
  updateServer,
} from './contract/workspace.ts';
export { type CorsOptions, registerCors } from './cors.ts';
export { ConfigError, InvalidTokenError, JwksUnavailableError } from './errors.ts';
export { type FeatureStage, type ReadinessCheck, type RuntimeFeature, STAGE_ORDER } from './feature.ts';
export { orderFeatures, orderForClose, stageOf } from './feature-order.ts';
export { type HealthOptions, type NamedCheck, registerHealthRoutes } from './health.ts';
export { Lifecycle, lifecycleFeature, registerDrainHooks } from './lifecycle.ts';
export { isLoopbackHost } from './net.ts';
export { type BackendMetrics, backendMetrics, errorCodeOf } from './observability/backend-metrics.ts';
export { type CallOutcomeLabel, callLabel, observabilityFeature } from './observability/feature.ts';
export { genReqId, loggerOptions, REDACT_PATHS } from './observability/logger.ts';
export { type CreateMetricsOptions, createMetrics, type RuntimeMetrics } from './observability/metrics.ts';
export { REDACTED, redactPaths } from './observability/redact.ts';
export { parseTraceparent, type TraceContext, traceHeaders } from './observability/trace.ts';
export { queryWithCallSignal } from './pg-cancel.ts';
export { FallbackRateLimiter, type RateLimitFeatureOptions, rateLimitFeature } from './rate-limit/feature.ts';
export { limitFor, parseRateLimitOverrides } from './rate-limit/limits.ts';
export { MemoryRateLimitStore } from './rate-limit/memory-store.ts';
export { RedisRateLimitStore } from './rate-limit/redis-store.ts';
export { type RateDecision, type RateLimitStore, retryAfterSeconds } from './rate-limit/store.ts';
export { closeRedis, createRedis, redisReadiness } from './redis.ts';
export {
  type BootInfo,
  handleSignals,
  type LoadedConfig,
  type RunServerOptions,
  runServer,
  type ServerParts,
} from './run.ts';
export {
  type CreateServerOptions,
  createServer,
  drainAndClose,
  type FeatureList,
  type RuntimeDeps,
  type RuntimeServer,
} from './server.ts';
export { type FullStack, type FullStackOptions, startFullStack } from './testing/full-stack.ts';
export { type LocalIssuer, startLocalIssuer, type TokenOptions } from './testing/local-issuer.ts';
export {
  type DataFlags,
  dataFlagsSchema,
  detectInstructions,
  flagBackendData,
  INSTRUCTION_PATTERN_NAMES,
  type InstructionScan,
  markUntrusted,
  neutraliseUntrusted,
  suspectPatternsAt,
  suspectSchema,
  type UntrustedFlags,
  type UntrustedText,
  untrustedFlags,
  untrustedFlagsSchema,
  untrustedFlagsShape,
  untrustedTextSchema,
  withDataFlags,
  wrapUntrusted,
} from './untrusted.ts';
