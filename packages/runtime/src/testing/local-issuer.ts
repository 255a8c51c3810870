import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface TokenOptions {
  /** Audience (default: the issuer's `audience` option). */
  audience?: string | string[];
  /** Space-separated scopes (the `scope` claim). */
  scope?: string;
  subject?: string;
  clientId?: string;
  /** Seconds from now (negative: already expired). Default 300. */
  expiresIn?: number;
  /** Seconds from now before which the token is not valid. */
  notBefore?: number;
  /** Override `iss`. */
  issuer?: string;
  /** Sign with this key id (default: the current key). */
  kid?: string;
  extraClaims?: JWTPayload;
}

export interface LocalIssuer {
  /** Issuer URL (`iss`), served on 127.0.0.1. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** How many times the JWK Set was downloaded. */
  readonly jwksFetches: number;
  /** Key id of the current signing key. */
  readonly kid: string;
  /** The current public key as a JWK (for attacks that misuse it). */
  readonly publicJwk: JWK;
  /** Mints a signed access token. */
  token(options?: TokenOptions): Promise<string>;
  /** Adds a new signing key and makes it current; the old one stays published unless `retireOld`. */
  rotate(options?: { retireOld?: boolean }): Promise<string>;
  /** Mints a token with a key the JWK Set does not publish. */
  tokenWithUnpublishedKey(options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(alg: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, privateKey, jwk };
}

/**
 * A real OAuth authorization server in miniature for tests and benchmarks: keys generated with jose,
 * RFC 8414 metadata and the JWK Set served over HTTP on 127.0.0.1, tokens minted on demand.
 */
export async function startLocalIssuer(options: { audience: string; alg?: string }): Promise<LocalIssuer> {
  const alg = options.alg ?? 'RS256';
  let keys: SigningKey[] = [await newKey(alg)];
  let fetches = 0;
  let base = '';
  const http: Server = createServer((req, res) => {
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/jwks') {
      fetches++;
      return send({ keys: keys.map((k) => k.jwk) });
    }
    if (
      req.url === '/.well-known/oauth-authorization-server' ||
      req.url === '/.well-known/openid-configuration'
    ) {
      return send({
        issuer: base,
        jwks_uri: `${base}/jwks`,
        token_endpoint: `${base}/token`,
        authorization_endpoint: `${base}/authorize`,
        response_types_supported: ['code'],
      });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const sign = async (key: SigningKey, t: TokenOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({
      ...(t.scope === undefined ? {} : { scope: t.scope }),
      ...(t.clientId === undefined ? { client_id: 'test-client' } : { client_id: t.clientId }),
      ...t.extraClaims,
    })
      .setProtectedHeader({ alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(t.issuer ?? base)
      .setAudience(t.audience ?? options.audience)
      .setJti(randomUUID())
      .setExpirationTime(now + (t.expiresIn ?? 300));
    // extraClaims may set `sub`/`iat` themselves (claim-rule tests: numeric sub, future iat).
    if (!Object.hasOwn(t.extraClaims ?? {}, 'sub')) jwt.setSubject(t.subject ?? 'user-1');
    if (!Object.hasOwn(t.extraClaims ?? {}, 'iat')) jwt.setIssuedAt(now);
    if (t.notBefore !== undefined) jwt.setNotBefore(now + t.notBefore);
    return jwt.sign(key.privateKey);
  };

  return {
    issuer: base,
    jwksUrl: `${base}/jwks`,
    get jwksFetches() {
      return fetches;
    },
    get kid() {
      return (keys[keys.length - 1] as SigningKey).kid;
    },
    get publicJwk() {
      return (keys[keys.length - 1] as SigningKey).jwk;
    },
    token(t) {
      const key = t?.kid === undefined ? keys[keys.length - 1] : keys.find((k) => k.kid === t.kid);
      if (!key) throw new Error(`No signing key ${t?.kid}`);
      return sign(key, t);
    },
    async rotate(r = {}) {
      const key = await newKey(alg);
      keys = r.retireOld ? [key] : [...keys, key];
      return key.kid;
    },
    async tokenWithUnpublishedKey(t) {
      return sign(await newKey(alg), t);
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
