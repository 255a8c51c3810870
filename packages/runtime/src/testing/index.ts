/**
 * Test helpers of the runtime, on the `@mcp-platform/runtime/testing` subpath so they never ship in
 * a server's import graph by accident.
 */

/** `<server> migrate` without a process: prepares a test database as the migration job would. */
export { type MigrateServerOptions, migrateServer } from '../boot.ts';
export { type FullStack, type FullStackOptions, startFullStack } from './full-stack.ts';
export { type LocalIssuer, startLocalIssuer, type TokenOptions } from './local-issuer.ts';
