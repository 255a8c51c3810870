/**
 * The runtime's error registry: every error has a stable code and a message that says what to do.
 * Tool-level failures use the protocol package's `ToolError`; these are start-up and HTTP-level errors.
 */

/** The environment is invalid; `problems` has one line per variable, each naming the expected form. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Why a bearer credential was rejected (RFC 6750 `invalid_token`); the description is safe to send back. */
export class InvalidTokenError extends Error {
  readonly code = 'INVALID_TOKEN';

  constructor(description: string, options?: { cause?: unknown }) {
    super(description, options);
    this.name = 'InvalidTokenError';
  }
}

/** The issuer's metadata or key set could not be fetched; tokens cannot be checked right now (503). */
export class JwksUnavailableError extends Error {
  readonly code = 'JWKS_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksUnavailableError';
  }
}
