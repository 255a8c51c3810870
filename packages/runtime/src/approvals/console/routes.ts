import type { Caller } from '@mcp-platform/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { isUuid } from '../../audit/interceptor.ts';
import type { ApprovalDecisions } from '../decisions.ts';
import type { ApprovalRequest, ApprovalStore } from '../store.ts';
import { CONSOLE_CSS, html, PAGE_HEADERS } from './html.ts';
import {
  type AuditRowView,
  detailPage,
  type ListFilters,
  listPage,
  messagePage,
  type Viewer,
} from './pages.ts';
import { type ConsoleSession, SessionSealer, sessionCaller } from './session.ts';
import type { OidcSignIn } from './sign-in.ts';

export interface ConsoleOptions {
  server: string;
  /** PUBLIC_URL: the console's origin (cookies and sessions are bound to it). */
  publicUrl: string;
  /** CONSOLE_SESSION_SECRET (>= 32 bytes, the same on every replica). */
  sessionSecret: string;
  store: ApprovalStore;
  decisions: ApprovalDecisions;
  /** Where the audit rows of a request are read (the audit trail's database). */
  pool: pg.Pool;
  now: () => Date;
  /** OpenID Connect sign-in, or — with AUTH_MODE=none on loopback only — the local caller without sign-in. */
  signIn: OidcSignIn | { local: Caller };
}

const BASE = '/approvals';
const FormBody = (body: unknown): Record<string, string> =>
  typeof body === 'object' && body !== null ? (body as Record<string, string>) : {};

function cookies(request: FastifyRequest): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) jar.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return jar;
}

/**
 * The approver console: server-rendered pages under `/approvals/` on the server's own origin. Its
 * routes are public to the bearer-token hook (people sign in with OpenID Connect instead) but stay
 * behind every other guard; decisions go through the same rules as the JSON API.
 */
export function registerApprovalConsole(app: FastifyInstance, options: ConsoleOptions): void {
  const { server, store, decisions, now } = options;
  const publicUrl = new URL(options.publicUrl);
  const origin = publicUrl.origin;
  const secure = publicUrl.protocol === 'https:';
  const sealer = new SessionSealer(options.sessionSecret, origin);
  // `__Host-` pins the cookie to this exact origin (Secure, Path=/, no Domain); plain http only on loopback dev.
  const SESSION = secure ? '__Host-mcp-approvals' : 'mcp-approvals';
  const LOGIN = secure ? '__Host-mcp-approvals-login' : 'mcp-approvals-login';
  const cookiePath = secure ? '/' : `${BASE}/`;
  const cookie = (name: string, value: string, maxAge: number, sameSite: 'Strict' | 'Lax') =>
    `${name}=${value}; Path=${cookiePath}; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  const local = 'local' in options.signIn ? options.signIn.local : undefined;
  const oidc = 'local' in options.signIn ? undefined : options.signIn;

  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).headers(PAGE_HEADERS).send(body);
  const viewerOf = (session: ConsoleSession): Viewer => ({
    name: session.name,
    subject: session.subject,
    csrf: sealer.csrfToken(session.sid),
    canSignOut: local === undefined,
  });

  /** The signed-in person, or a reply sending them to sign in (undefined). */
  const sessionOf = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<ConsoleSession | undefined> => {
    const session = await sealer.openSession(cookies(request).get(SESSION));
    if (session && session.expiresAt > new Date()) return session;
    if (local) {
      const expiresAt = new Date(Date.now() + 8 * 3600_000);
      const sealed = await sealer.sealSession({
        subject: local.subject,
        name: 'Local developer (AUTH_MODE=none)',
        scopes: local.scopes,
        clientId: undefined,
        expiresAt,
      });
      reply.header('set-cookie', cookie(SESSION, sealed.value, 8 * 3600, 'Strict'));
      return {
        sid: sealed.sid,
        subject: local.subject,
        name: 'Local developer (AUTH_MODE=none)',
        scopes: local.scopes,
        clientId: undefined,
        expiresAt,
      };
    }
    const returnTo = request.method === 'GET' ? request.url : `${BASE}/`;
    reply.redirect(`${BASE}/login?returnTo=${encodeURIComponent(returnTo)}`, 303);
    return undefined;
  };

  const auditRows = async (id: string): Promise<AuditRowView[]> => {
    try {
      const { rows } = await options.pool.query(
        `SELECT at, event, subject, outcome, error_code, client_name, client_version, touched
           FROM audit_log WHERE approval_id = $1 AND server = $2 ORDER BY at, seq LIMIT 200`,
        [id, server],
      );
      return rows.map((row) => ({
        at: row.at,
        event: row.event,
        subject: row.subject,
        outcome: row.outcome,
        errorCode: row.error_code,
        clientName: row.client_name,
        clientVersion: row.client_version,
        touched: row.touched ?? [],
      }));
    } catch {
      return [];
    }
  };

  /** Who may see a request: approvers see every request; everyone sees their own. */
  const visible = (caller: Caller, r: ApprovalRequest) =>
    r.requesterSubject === caller.subject || (r.policy === 'approver' && decisions.isApprover(caller));

  const cannotDecide = (caller: Caller, r: ApprovalRequest): string | undefined => {
    if (r.status !== 'pending' || r.expiresAt <= now()) return undefined;
    if (r.policy === 'approver' && r.requesterSubject === caller.subject)
      return 'This is your own request: another person with the approver role must decide it.';
    if (r.policy === 'approver') return 'Only approvers can decide this request.';
    return undefined;
  };

  const renderDetail = async (
    reply: FastifyReply,
    session: ConsoleSession,
    r: ApprovalRequest,
    status = 200,
    message?: { kind: 'ok' | 'error'; text: string },
  ) => {
    const caller = sessionCaller(session);
    const open = r.status === 'pending' && r.expiresAt > now();
    return page(
      reply,
      status,
      detailPage({
        server,
        viewer: viewerOf(session),
        request: r,
        audit: await auditRows(r.id),
        now: now(),
        mayDecide: open && decisions.mayDecide(caller, r, true),
        cannotDecide: cannotDecide(caller, r),
        message,
      }),
    );
  };

  const unavailable = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    request.log.error({ err: error }, 'approvals console failed');
    return page(
      reply,
      503,
      messagePage(
        server,
        'Approvals are unavailable',
        'Approvals cannot be read or changed right now; try again shortly.',
      ),
    );
  };

  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    const pub = { config: { public: true } };

    scope.get(`${BASE}/console.css`, pub, async (_request, reply) =>
      reply
        .headers({
          'content-type': 'text/css; charset=utf-8',
          'cache-control': 'max-age=3600',
          'x-content-type-options': 'nosniff',
        })
        .send(CONSOLE_CSS),
    );

    scope.get<{ Querystring: { returnTo?: string } }>(`${BASE}/login`, pub, async (request, reply) => {
      const wanted = request.query.returnTo ?? `${BASE}/`;
      const returnTo = /^\/approvals\/[^/\\]?/.test(wanted) && !wanted.startsWith('//') ? wanted : `${BASE}/`;
      if (!oidc) return reply.redirect(returnTo, 303);
      try {
        const { url, login } = await oidc.start(returnTo);
        // Lax: the identity provider's redirect back is a cross-site top-level navigation.
        reply.header('set-cookie', cookie(LOGIN, await sealer.sealLogin(login), 600, 'Lax'));
        return reply.redirect(url.href, 303);
      } catch (error) {
        request.log.error({ err: error }, 'approvals console: identity provider unreachable');
        return page(
          reply,
          503,
          messagePage(
            server,
            'Sign-in is unavailable',
            'The identity provider cannot be reached right now; try again shortly.',
          ),
        );
      }
    });

    scope.get(`${BASE}/callback`, pub, async (request, reply) => {
      const login = await sealer.openLogin(cookies(request).get(LOGIN));
      if (!oidc || !login) {
        return page(
          reply,
          400,
          messagePage(
            server,
            'Sign-in expired',
            'This sign-in is unknown or older than 10 minutes.',
            undefined,
            html`<p><a href="${BASE}/login">Sign in again</a></p>`,
          ),
        );
      }
      try {
        const signedIn = await oidc.finish(new URL(request.url, origin), login);
        const sealed = await sealer.sealSession({
          subject: signedIn.caller.subject,
          name: signedIn.name,
          scopes: signedIn.caller.scopes,
          clientId: signedIn.caller.clientId,
          expiresAt: signedIn.expiresAt,
        });
        const maxAge = Math.max(1, Math.floor((signedIn.expiresAt.getTime() - Date.now()) / 1000));
        reply.header('set-cookie', [
          cookie(SESSION, sealed.value, maxAge, 'Strict'),
          cookie(LOGIN, '', 0, 'Lax'),
        ]);
        request.log.info({ subject: signedIn.caller.subject }, 'approvals console: signed in');
        // A same-site navigation from this page carries the Strict cookie (the redirect chain from the IdP would not).
        return reply
          .code(200)
          .headers(PAGE_HEADERS)
          .send(
            `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${html`${login.returnTo}`.html}"><title>Signed in</title></head><body><p><a href="${html`${login.returnTo}`.html}">Continue</a></p></body></html>`,
          );
      } catch (error) {
        request.log.warn({ err: error }, 'approvals console: sign-in refused');
        return page(
          reply,
          401,
          messagePage(
            server,
            'Sign-in failed',
            'The identity provider did not sign you in for this server.',
            undefined,
            html`<p><a href="${BASE}/login">Try again</a></p>`,
          ),
        );
      }
    });

    scope.post(`${BASE}/logout`, pub, async (request, reply) => {
      const session = await sealer.openSession(cookies(request).get(SESSION));
      if (session && !sealer.checkCsrf(session.sid, FormBody(request.body).csrf)) {
        return page(
          reply,
          403,
          messagePage(server, 'Refused', 'This form is stale or did not come from this console.'),
        );
      }
      reply.header('set-cookie', cookie(SESSION, '', 0, 'Strict'));
      return page(
        reply,
        200,
        messagePage(
          server,
          'Signed out',
          'You are signed out of the approvals console.',
          undefined,
          html`<p><a href="${BASE}/">Sign in again</a></p>`,
        ),
      );
    });

    scope.get<{ Querystring: Record<string, string | undefined> }>(
      `${BASE}/`,
      pub,
      async (request, reply) => {
        const session = await sessionOf(request, reply);
        if (!session) return reply;
        const caller = sessionCaller(session);
        const q = request.query;
        const filters: ListFilters = {
          state: q.state === 'closed' ? 'closed' : 'pending',
          tool: q.tool && /^[a-z][a-z0-9_]{0,63}$/.test(q.tool) ? q.tool : undefined,
          requester: q.requester?.trim().slice(0, 200) || undefined,
          ageHours: q.age && /^\d{1,4}$/.test(q.age) ? Number(q.age) : undefined,
        };
        try {
          const at = now();
          const common = {
            state: filters.state,
            tool: filters.tool,
            since:
              filters.ageHours === undefined
                ? undefined
                : new Date(at.getTime() - filters.ageHours * 3600_000),
          };
          const approver = decisions.isApprover(caller);
          const [others, own] = await Promise.all([
            approver
              ? store.list(server, at, { ...common, policy: 'approver', requester: filters.requester })
              : Promise.resolve([]),
            filters.requester === undefined || filters.requester === caller.subject
              ? store.list(server, at, { ...common, requester: caller.subject })
              : Promise.resolve([]),
          ]);
          const seen = new Set<string>();
          const requests = [
            ...others.filter((r) => filters.state === 'closed' || r.requesterSubject !== caller.subject),
            ...own,
          ]
            .filter((r) => !seen.has(r.id) && seen.add(r.id))
            .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
          const tools = [
            ...new Set([...requests.map((r) => r.tool), ...(filters.tool ? [filters.tool] : [])]),
          ].sort();
          return page(
            reply,
            200,
            listPage(server, viewerOf(session), requests, filters, tools, at, approver),
          );
        } catch (error) {
          return unavailable(request, reply, error);
        }
      },
    );

    scope.get<{ Params: { id: string } }>(`${BASE}/requests/:id`, pub, async (request, reply) => {
      const session = await sessionOf(request, reply);
      if (!session) return reply;
      try {
        const found = isUuid(request.params.id)
          ? await store.get(request.params.id.toLowerCase(), server)
          : undefined;
        if (!found || !visible(sessionCaller(session), found)) {
          return page(
            reply,
            404,
            messagePage(server, 'Not found', 'No request with this id that you may see.', viewerOf(session)),
          );
        }
        return renderDetail(reply, session, found);
      } catch (error) {
        return unavailable(request, reply, error);
      }
    });

    scope.post<{ Params: { id: string } }>(`${BASE}/requests/:id/decide`, pub, async (request, reply) => {
      const session = await sealer.openSession(cookies(request).get(SESSION));
      const form = FormBody(request.body);
      // A decision needs this console's session cookie AND its CSRF token, from this origin.
      const fetchSite = request.headers['sec-fetch-site'];
      const from = request.headers.origin;
      if (
        !session ||
        session.expiresAt <= new Date() ||
        (from !== undefined && from !== origin) ||
        (fetchSite !== undefined && fetchSite !== 'same-origin') ||
        !sealer.checkCsrf(session.sid, form.csrf)
      ) {
        request.log.warn(
          { hasSession: session !== undefined, origin: from, fetchSite },
          'approvals console: decision refused (session or CSRF)',
        );
        return page(
          reply,
          403,
          messagePage(
            server,
            'Refused',
            'This decision did not come from a signed-in approvals console page; nothing was changed. Open the request again and decide there.',
          ),
        );
      }
      const decision =
        form.decision === 'approved' ? 'approved' : form.decision === 'rejected' ? 'rejected' : undefined;
      const reason =
        typeof form.reason === 'string' && form.reason.trim() !== ''
          ? form.reason.trim().slice(0, 1000)
          : null;
      if (!decision || !isUuid(request.params.id)) {
        return page(
          reply,
          400,
          messagePage(
            server,
            'Bad request',
            'Choose approve or reject on the request page.',
            viewerOf(session),
          ),
        );
      }
      try {
        const id = request.params.id.toLowerCase();
        const outcome = await decisions.decide(
          sessionCaller(session),
          id,
          decision,
          reason,
          request.id,
          'console',
        );
        const current = await store.get(id, server);
        if (!current || !visible(sessionCaller(session), current)) {
          return page(
            reply,
            404,
            messagePage(server, 'Not found', 'No request with this id that you may see.', viewerOf(session)),
          );
        }
        if (outcome.ok) {
          const text =
            current.policy === 'confirm'
              ? decision === 'approved'
                ? 'Confirmed. Tell your assistant to go ahead: its next call with this approval runs the change once.'
                : 'Cancelled. Nothing was changed.'
              : decision === 'approved'
                ? 'Approved. The requester’s next call with this approval runs the change once.'
                : 'Rejected. Nothing was changed; the requester will be told why.';
          return renderDetail(reply, session, current, 200, { kind: 'ok', text });
        }
        return renderDetail(reply, session, current, outcome.status, {
          kind: 'error',
          text: `${outcome.message} (${outcome.code})`,
        });
      } catch (error) {
        return unavailable(request, reply, error);
      }
    });
  });
}
