/** Parameters of an RFC 6750 / RFC 9728 `WWW-Authenticate: Bearer ...` challenge. */
export interface BearerChallenge {
  resourceMetadata: string;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  description?: string;
  /** Space-separated scopes the request needs (for `insufficient_scope`). */
  scope?: string;
}

/**
 * A header quoted-string from text that may carry client input (a resource URI): only printable ASCII
 * without `"` and `\` survives, so nothing can break out of the value or the header.
 */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]|["\\]/g, '').slice(0, 300)}"`;
}

export function bearerChallenge(challenge: BearerChallenge): string {
  const parts = [`resource_metadata=${quoted(challenge.resourceMetadata)}`];
  if (challenge.error !== undefined) parts.push(`error=${quoted(challenge.error)}`);
  if (challenge.description !== undefined) parts.push(`error_description=${quoted(challenge.description)}`);
  if (challenge.scope !== undefined) parts.push(`scope=${quoted(challenge.scope)}`);
  return `Bearer ${parts.join(', ')}`;
}
