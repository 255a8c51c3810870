import type { DevPerson } from './people.ts';

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c]!);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#111;background:#fff}
h1{font-size:1.4rem}.warn{background:#fff4ce;border:1px solid #8a6d00;padding:.5rem 1rem}
button{font:inherit;padding:.4rem 1rem;margin:.2rem 0;border:2px solid #0b3d91;background:#0b3d91;color:#fff;border-radius:4px;cursor:pointer}
button:focus-visible{outline:3px solid #c60;outline-offset:2px}ul{list-style:none;padding:0}li{margin:.6rem 0}
.who{color:#333;font-size:.9rem}`;

/** Headers of every page: no scripts at all, nothing from elsewhere, never framed. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** The sign-in page: pick one of the demo people (there are no passwords). */
export function loginPage(action: string, clientName: string, people: readonly DevPerson[]): string {
  const items = people
    .map(
      (p) =>
        `<li><button type="submit" name="person" value="${escapeHtml(p.id)}">Sign in as ${escapeHtml(p.name)}</button> <span class="who">${escapeHtml(p.title)} · ${escapeHtml(p.roles.join(', '))}</span></li>`,
    )
    .join('');
  return page(
    'Sign in — development identity provider',
    `<h1>Sign in to ${escapeHtml(clientName)}</h1><p class="warn">Development identity provider: anyone on this machine can sign in as anyone. Never expose it.</p><form method="post" action="${escapeHtml(action)}"><ul>${items}</ul></form>`,
  );
}

export function errorPage(message: string): string {
  return page('Sign-in error', `<h1>Sign-in error</h1><p>${escapeHtml(message)}</p>`);
}
