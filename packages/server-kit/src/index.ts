export {
  backgroundCall,
  parseTraceparent,
  type TraceContext,
  traceHeaders,
  type UpstreamCall,
} from './call.ts';
export {
  type ClassifyContext,
  classifyUpstreamError,
  networkCodeOf,
  type UpstreamErrorCode,
  UpstreamHttpError,
  UpstreamTimeoutError,
} from './classify.ts';
export {
  commaList,
  directoryPath,
  httpUrl,
  milliseconds,
  port,
  postgresUrl,
  roleName,
  sandboxAnchorDate,
  sandboxSeed,
} from './config-fields.ts';
export {
  type CursorPosition,
  cursorOffset,
  decodeCursor,
  decodeKeyset,
  encodeCursor,
  invalidCursor,
  type KeysetOptions,
  type KeysetPosition,
  keysetPage,
} from './cursor.ts';
export {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from './embedded-postgres.ts';
export {
  createUpstreamClient,
  type UpstreamClient,
  type UpstreamClientOptions,
  type UpstreamRequest,
  type UpstreamResponse,
} from './http-client.ts';
export { type BackendOperations, instrumented, type OperationList } from './instrumented.ts';
export { type MigrationSet, type RunMigrationsOptions, runMigrations } from './migrations.ts';
export { jwtAssertion, type OAuthGrant, type OAuthTokenSourceOptions, oauthTokenSource } from './oauth.ts';
export { type Observer, unobserved } from './observer.ts';
export { createPgClient, createPgPool } from './pg.ts';
export { type Random, seededRandom } from './random.ts';
export { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryPolicy, sleep } from './retry.ts';
export { escapeLike, SqlParams } from './sql-params.ts';
export {
  apiKeyHeader,
  basicAuth,
  bearerToken,
  type CachedTokenSourceOptions,
  Credential,
  cachedTokenSource,
  staticTokenSource,
  type TokenSource,
} from './token-source.ts';
