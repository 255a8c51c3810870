import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFromClaims } from '../../src/auth/caller.ts';
import { createJwtVerifier, type JwtVerifier } from '../../src/auth/jwt.ts';
import { type LocalIssuer, startLocalIssuer } from '../../src/testing/local-issuer.ts';

const AUDIENCE = 'http://claims.test/mcp';

describe('token claim rules', () => {
  let issuer: LocalIssuer;
  let verifier: JwtVerifier;
  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: AUDIENCE });
    verifier = createJwtVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      algorithms: ['ES256', 'RS256', 'PS256'],
      clockToleranceSeconds: 30,
      cooldownMs: 1000,
      cacheTtlMs: 0,
    });
  });
  afterAll(async () => issuer?.close());

  const refusal = async (extraClaims: Record<string, unknown>) => {
    try {
      await verifier.verify(await issuer.token({ extraClaims }));
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('splits scopes on U+0020 only (RFC 6749), so an em space does not grant two scopes', () => {
    const caller = callerFromClaims({ sub: 'u', scope: 'crm:read\u2003crm:write' }, { scopeClaim: 'scope' });
    expect(caller.scopes).toEqual(['crm:read\u2003crm:write']);
    const tabs = callerFromClaims(
      { sub: 'u', scope: 'crm:read\tcrm:write crm:approve' },
      { scopeClaim: 'scope' },
    );
    expect(tabs.scopes).toEqual(['crm:read\tcrm:write', 'crm:approve']);
  });

  it('refuses an iat beyond the clock skew', async () => {
    expect(await refusal({ iat: Math.floor(Date.now() / 1000) + 365 * 86_400 })).toMatch(
      /issued in the future/,
    );
    expect(await refusal({ iat: Math.floor(Date.now() / 1000) + 10 })).toBeUndefined();
  });

  it('requires sub to be a non-empty string, with a clear reason', async () => {
    expect(await refusal({ sub: 12345, client_id: 'shared-client' })).toMatch(
      /sub claim must be a non-empty string/,
    );
    expect(await refusal({ sub: '', client_id: 'shared-client' })).toMatch(
      /sub claim must be a non-empty string/,
    );
    expect(await refusal({ sub: '   ' })).toMatch(/non-empty string/);
    expect(await refusal({ sub: 'alice' })).toBeUndefined();
  });
});
