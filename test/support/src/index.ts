export {
  type AuditEventView,
  type AuditRowView,
  auditEvents,
  auditRowsFor,
  expectAuditedWrite,
} from './audit.ts';
export { createTestDatabase, type TestDatabase } from './database.ts';
export {
  describeOrSkip,
  describeWithEnv,
  describeWithPostgres,
  describeWithRedis,
  loudSkip,
  requireEnv,
} from './env.ts';
export {
  type FakeHandler,
  type FakeOAuthOptions,
  type FakeRequest,
  type FakeResponse,
  type FakeUpstream,
  type FakeUpstreamOptions,
  startFakeUpstream,
} from './fake-upstream.ts';
export { listen } from './listen.ts';
export {
  connectMcpClient,
  type McpTestClient,
  type McpTestClientOptions,
  resultError,
  resultOk,
  resultText,
} from './mcp-client.ts';
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.ts';
export {
  type ProcessRun,
  runInspectorCli,
  runNode,
  type ServerProcess,
  startServerProcess,
} from './process.ts';
export {
  type ProxiedRequest,
  type RoundRobinProxy,
  type RoundRobinProxyOptions,
  roundRobinProxy,
} from './round-robin-proxy.ts';
export {
  type AllowedSkip,
  disallowedSkips,
  parseAllowedSkips,
  type SkippedSuite,
  skippedSuites,
  type VitestJsonReport,
} from './skips.ts';
export { type TcpRelay, tcpRelay } from './tcp-relay.ts';
