/** Role or group claim value → the scopes it grants. */
export type RoleScopeMap = ReadonlyMap<string, readonly string[]>;

/**
 * Parses `value=scope scope;value2=scope`. Entries are split on `;` (group names may contain commas,
 * e.g. LDAP DNs) and each entry at its LAST `=` (DNs contain `=`, scopes never do).
 */
export function parseRoleScopes(text: string): RoleScopeMap {
  const map = new Map<string, string[]>();
  for (const raw of text.split(/[;\n]/)) {
    const entry = raw.trim();
    if (entry === '') continue;
    const at = entry.lastIndexOf('=');
    const value = at > 0 ? entry.slice(0, at).trim() : '';
    const scopes =
      at > 0
        ? entry
            .slice(at + 1)
            .trim()
            .split(/\s+/)
            .filter(Boolean)
        : [];
    if (value === '' || scopes.length === 0) {
      throw new Error(`entry "${entry}" is not of the form value=scope [scope...]`);
    }
    map.set(value, [...(map.get(value) ?? []), ...scopes]);
  }
  return map;
}

/** Reads a claim by dot path (`realm_access.roles`); returns its string values (string or array of strings). */
export function claimValues(claims: Readonly<Record<string, unknown>>, path: string): string[] {
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return [];
    node = (node as Record<string, unknown>)[part];
  }
  // RFC 6749 §3.3: scope tokens are separated by U+0020 only (an em space is part of a token).
  if (typeof node === 'string') return node.split(' ').filter(Boolean);
  if (Array.isArray(node)) return node.filter((v): v is string => typeof v === 'string');
  return [];
}
