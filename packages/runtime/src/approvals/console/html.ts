const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const INVISIBLE =
  /[\u200B-\u200D\u2060-\u2064\u180E\uFEFF\u202A-\u202E\u2066-\u2069]|[\u{E0000}-\u{E007F}]/gu;

/** HTML-escapes text for element content and quoted attributes (invisible and bidi controls removed). */
export function esc(value: unknown): string {
  const text =
    typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);
  return text.replace(INVISIBLE, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A tagged template whose interpolations are escaped unless they are `raw(...)` fragments. */
export interface Raw {
  readonly html: string;
}
export const raw = (html: string): Raw => ({ html });
const isRaw = (v: unknown): v is Raw => typeof v === 'object' && v !== null && 'html' in v;

export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    out += parts.map((p) => (isRaw(p) ? p.html : esc(p))).join('') + strings[i + 1]!;
  });
  return raw(out);
}

/** Headers of every console page: a strict CSP (nothing but this server's stylesheet), never framed or cached. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our own form posts.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** High-contrast, keyboard-visible styles (WCAG AA contrast on every text/background pair). */
export const CONSOLE_CSS = `:root{color-scheme:light}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111;background:#fff}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.6rem 1.2rem;background:#0b3d91;color:#fff}
header a,header button{color:#fff}header form{display:inline}
main{max-width:62rem;margin:1rem auto;padding:0 1.2rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:1.6rem}
a{color:#0b3d91}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #c25100;outline-offset:2px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #767676;vertical-align:top}
th{background:#f2f2f2}
button{font:inherit;padding:.45rem 1rem;border-radius:4px;border:2px solid #0b3d91;background:#0b3d91;color:#fff;cursor:pointer}
button.reject{background:#fff;color:#8b0000;border-color:#8b0000}
header button{background:transparent;border-color:#fff}
label{display:block;font-weight:600;margin-top:.6rem}
input,select,textarea{font:inherit;padding:.3rem;border:1px solid #555;border-radius:3px}
textarea{width:100%;max-width:40rem}
.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}.filters label{margin:0}
.untrusted{border:2px dashed #8a6d00;background:#fffbea;padding:.6rem 1rem;margin:.6rem 0}
.untrusted-label{font-size:.85rem;font-weight:700;color:#5c4800}
.warn{border-left:6px solid #8b0000;background:#fdecea;padding:.5rem 1rem}
.note{border-left:6px solid #0b3d91;background:#eef3fb;padding:.5rem 1rem}
.status{font-weight:700}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
code{font-family:ui-monospace,monospace;font-size:.9em;overflow-wrap:anywhere}
.actions{display:flex;gap:1rem;margin-top:.8rem}
`;
