/**
 * W3C trace context for backend calls: one implementation, in the server kit (its upstream HTTP
 * client sends it on every request). Re-exported here for the runtime's own callers.
 */
export { parseTraceparent, type TraceContext, traceHeaders } from '@mcp-platform/server-kit';
