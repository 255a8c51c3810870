/**
 * The one place this server takes the platform's untrusted-content helpers from (the generic part
 * lives in the runtime so every server marks backend text the same way).
 */
export {
  detectInstructions,
  flagBackendData,
  markUntrusted,
  neutraliseUntrusted,
  suspectPatternsAt,
  type UntrustedFlags,
  untrustedFlags,
  withDataFlags,
  wrapUntrusted,
} from '@mcp-platform/runtime';
