/**
 * The one place this server takes the platform's untrusted-content helpers from (the generic part
 * lives in the runtime so every server marks backend text the same way).
 */
export {
  detectInstructions,
  markUntrusted,
  neutraliseUntrusted,
  type UntrustedFlags,
  untrustedFlags,
  untrustedFlagsShape,
  wrapUntrusted,
} from '@mcp-platform/runtime';
