import { DevIdpError } from './loopback.ts';

/**
 * Signs `personId` in at the development provider `issuer` on an authorization request, the way a
 * browser would (cookies, redirects, the sign-in form), and returns the URL the provider finally
 * redirects to outside itself: the client's `redirect_uri` with `code` and `state`, or with `error`.
 * Works against any running dev IdP (e.g. the one `pnpm start` launched).
 */
export async function signInAs(
  issuer: string,
  authorizationUrl: string | URL,
  personId: string,
): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
    }
  };
  let url = new URL(authorizationUrl);
  let init: RequestInit = { method: 'GET' };
  for (let hop = 0; hop < 10; hop++) {
    if (url.origin !== new URL(issuer).origin) return url;
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader() },
    });
    remember(response);
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      init = { method: 'GET' };
      continue;
    }
    if (response.status === 200 && /^\/interaction\//.test(url.pathname)) {
      await response.text();
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ person: personId }).toString(),
      };
      continue;
    }
    throw new DevIdpError(
      'DEV_IDP_SIGN_IN_FAILED',
      `sign-in stopped at ${url.pathname} with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`,
    );
  }
  throw new DevIdpError('DEV_IDP_SIGN_IN_FAILED', 'too many redirects during sign-in');
}
