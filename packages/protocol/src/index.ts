export {
  type BrowserGuardOptions,
  browserGuard,
  browserGuardVerdict,
  loopbackHosts,
  registerBrowserGuard,
} from './browser-guard.ts';
export { openCursor, sealCursor, setCursorKey } from './cursor-seal.ts';
export {
  abortError,
  callSignal,
  currentCallSignal,
  DeadlineExceeded,
  isDeadline,
  raceSignal,
  runWithCallSignal,
  ServerShuttingDown,
} from './deadline.ts';
export {
  ANONYMOUS,
  type ApprovalPolicy,
  advertisedDescription,
  type CallContext,
  type Caller,
  type ChangePreview,
  type ClientInfo,
  type ClientLogLevel,
  type ContentBlock,
  type ContentResult,
  type ContentTool,
  type Deprecation,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  type Policy,
  type PromptDefinition,
  type PromptMessage,
  type ProtocolEra,
  type ResourceContents,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ServerDefinition,
  type StructuredTool,
  type ToolAnnotations,
  type ToolDefinition,
} from './definitions.ts';
export {
  type CallInfo,
  type CallKind,
  type CallOutcome,
  type CatalogDescriptors,
  Dispatcher,
  type DispatcherOptions,
  type Interceptor,
  type RoundInput,
} from './dispatcher.ts';
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeSpec,
  errorSpec,
  isErrorCode,
  type OutcomeClass,
  outcomeOf,
  outcomeOfRpc,
  SERVER_FAILURE_OUTCOMES,
} from './error-codes.ts';
export {
  newErrorReference,
  RpcCode,
  RpcError,
  ToolError,
  type ToolErrorContent,
  type ToolErrorOptions,
} from './errors.ts';
export { classifyFailure, classifyResult, type FailureClass } from './failure.ts';
export { jsonDepthExceeds, MAX_JSON_DEPTH, uncarriableText } from './input-safety.ts';
export { type LegacySsePluginOptions, legacySsePlugin } from './legacy-sse.ts';
export { decodeCursor, encodeCursor } from './pagination.ts';
export { jsonRpcError, type McpPluginOptions, mcpPlugin } from './plugin.ts';
export {
  callContext,
  eraOf,
  LEGACY_VERSIONS,
  MODERN_VERSION,
  type RequestInfo,
  traceContextOf,
} from './request-info.ts';
export {
  DEFAULT_MAX_RESULT_BYTES,
  type ResultPaging,
  TRIMMED_META_KEY,
  type Trimmed,
} from './result-size.ts';
export { createSdkServer, createStateCodec, type SdkServerOptions } from './sdk-path.ts';
export { isUnavailability, OutageLog, UPSTREAM_UNAVAILABLE, upstreamUnavailable } from './unavailable.ts';
