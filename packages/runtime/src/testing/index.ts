/**
 * Test helpers of the runtime, on the `@mcp-platform/runtime/testing` subpath so they never ship in
 * a server's import graph by accident.
 */
export { type FullStack, type FullStackOptions, startFullStack } from './full-stack.ts';
export { type LocalIssuer, startLocalIssuer, type TokenOptions } from './local-issuer.ts';
