export { canonicalJson, jsonSafe, sha256Hex } from './canonical-json.ts';
export {
  type ChainedRecord,
  type ChainHead,
  canonicalRow,
  chainRecords,
  GENESIS_HASH,
  rowHash,
} from './chain.ts';
export { AUDIT_UNAVAILABLE, auditUnavailable } from './errors.ts';
export { type AuditFeature, type AuditFeatureOptions, createAuditFeature } from './feature.ts';
export {
  annotateCall,
  auditedArguments,
  auditInterceptor,
  type CallAnnotation,
  callColumns,
  isUuid,
  isWriteCall,
} from './interceptor.ts';
export { registerAuditMetrics } from './metrics.ts';
export { MIGRATIONS_DIR, MIGRATIONS_TABLE, type MigrateOptions, migrate } from './migrate.ts';
export { createPool, type PoolOptions } from './pool.ts';
export {
  type AuditQuery,
  type AuditQueryRow,
  formatTable,
  parseSince,
  queryAudit,
  rowsAsJson,
} from './query.ts';
export {
  type AuditEvent,
  type AuditOutcome,
  type AuditRecord,
  makeRecord,
  principalCorrelation,
  traceIdOf,
  whoColumns,
} from './record.ts';
export { REDACTED, redact } from './redact.ts';
export {
  type AuditLogger,
  type AuditStatus,
  AuditTrail,
  type AuditTrailOptions,
  newChainId,
} from './trail.ts';
export { type BrokenRow, type VerifyReport, verifyChains } from './verify.ts';
export {
  parseTraceId,
  queryWorkflow,
  type RecordHistory,
  type Workflow,
  type WorkflowKey,
  type WorkflowQuery,
  workflowKeyOf,
  workflowsOf,
} from './workflow.ts';
export {
  formatRecordHistory,
  formatWorkflow,
  recordHistoryJsonLines,
  workflowEvent,
  workflowJsonLines,
} from './workflow-format.ts';
export {
  type AuditCorrelation,
  CORRELATION_KEYS,
  mcpSessionDigest,
  traceCorrelation,
} from './workflow-ids.ts';
