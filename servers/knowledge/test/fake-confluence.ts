import { type FakeRequest, type FakeResponse, startFakeUpstream } from '@mcp-platform/test-support';

/**
 * A fake Confluence (Server/Cloud REST API v1) on the fake-upstream harness, speaking the real wire format: content
 * listing by space and CQL search with `start`/`limit` pagination and `_links.next`, storage-format
 * bodies, versions, labels, web UI links, Basic/Bearer auth, 401 on bad credentials, 400 on CQL it
 * cannot parse, and injectable 429s.
 */
export interface FakePage {
  id: string;
  space: string;
  title: string;
  storage: string;
  version: number;
  when: string;
  labels?: string[];
}

export interface FakeConfluence {
  /** Base URL including the `/wiki` context path. */
  baseUrl: string;
  pages: FakePage[];
  requests: Array<{ path: string; query: Record<string, string> }>;
  /** Answer the next N API requests with 429 (Retry-After: 0). */
  throttleNext(n: number): void;
  /** Make `_links.next` point at another origin (to test that the client refuses it). */
  foreignNextLinks: boolean;
  /** Requests whose path matches are held open, never answered (a stuck Confluence). */
  hang(match: RegExp): void;
  /** Requests received and not answered whose client is still connected. */
  readonly inFlight: number;
  waitForInFlight(count: number): Promise<void>;
  close(): Promise<void>;
}

const SPACE_NAMES: Record<string, string> = { OPS: 'Operations', HR: 'Human Resources' };

export async function startFakeConfluence(credentials: {
  user: string;
  token: string;
}): Promise<FakeConfluence> {
  const fake = {
    pages: [] as FakePage[],
    requests: [] as Array<{ path: string; query: Record<string, string> }>,
    throttle: 0,
    foreignNextLinks: false,
  };
  let base = '';
  const expectedAuth = `Basic ${Buffer.from(`${credentials.user}:${credentials.token}`).toString('base64')}`;

  const toContent = (p: FakePage, expand: string[]) => ({
    id: p.id,
    type: 'page',
    status: 'current',
    title: p.title,
    ...(expand.includes('space')
      ? { space: { id: 1, key: p.space, name: SPACE_NAMES[p.space] ?? p.space, type: 'global' } }
      : {}),
    ...(expand.includes('version')
      ? {
          version: {
            number: p.version,
            when: p.when,
            by: { type: 'known', displayName: 'Ops Writer' },
            minorEdit: false,
          },
        }
      : {}),
    ...(expand.includes('body.storage')
      ? { body: { storage: { value: p.storage, representation: 'storage' } } }
      : {}),
    ...(expand.includes('metadata.labels')
      ? {
          metadata: {
            labels: {
              results: (p.labels ?? []).map((name, i) => ({ prefix: 'global', name, id: String(i) })),
              start: 0,
              limit: 200,
              size: p.labels?.length ?? 0,
            },
          },
        }
      : {}),
    _links: {
      webui: `/spaces/${p.space}/pages/${p.id}/${p.title.replace(/ /g, '+')}`,
      tinyui: `/x/${p.id}`,
      self: `${base}/rest/api/content/${p.id}`,
    },
  });

  /** The CQL subset the client sends: space = "K" AND type = page [AND lastmodified >= "yyyy-MM-dd HH:mm"] [ORDER BY lastmodified ASC]. */
  const parseCql = (cql: string): { space: string; since?: Date } | undefined => {
    const m =
      /^space = "((?:[^"\\]|\\.)*)" AND type = page(?: AND lastmodified >= "(\d{4}-\d{2}-\d{2} \d{2}:\d{2})")?(?: ORDER BY lastmodified ASC)?$/.exec(
        cql,
      );
    if (!m) return undefined;
    return {
      space: m[1]!.replace(/\\(.)/g, '$1'),
      ...(m[2] ? { since: new Date(`${m[2].replace(' ', 'T')}:00Z`) } : {}),
    };
  };

  const upstream = await startFakeUpstream();
  base = `${upstream.url}/wiki`;
  const handle = (request: FakeRequest): FakeResponse => {
    const query = request.query;
    fake.requests.push({ path: request.path, query });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): FakeResponse => ({
      status,
      body,
      headers,
    });
    if (request.headers.authorization !== expectedAuth) {
      return send(
        401,
        {
          statusCode: 401,
          message: 'Basic authentication with passwords is deprecated or the credentials are wrong',
        },
        { 'www-authenticate': 'Basic realm="Protected"' },
      );
    }
    if (fake.throttle > 0) {
      fake.throttle--;
      return send(429, { statusCode: 429, message: 'Rate limit exceeded' }, { 'retry-after': '0' });
    }
    const start = Number(query.start ?? 0);
    const limit = Math.min(Number(query.limit ?? 25), 100);
    const expand = (query.expand ?? '').split(',');
    let matches: FakePage[];
    let path: string;
    if (request.path === '/wiki/rest/api/content') {
      if (query.type !== 'page' || query.spaceKey === undefined)
        return send(400, { statusCode: 400, message: 'spaceKey and type required' });
      matches = fake.pages
        .filter((p) => p.space === query.spaceKey)
        .sort((a, b) => Number(a.id) - Number(b.id));
      path = '/rest/api/content';
    } else if (request.path === '/wiki/rest/api/content/search') {
      const cql = parseCql(query.cql ?? '');
      if (cql === undefined)
        return send(400, { statusCode: 400, message: `Could not parse cql : ${query.cql}` });
      matches = fake.pages
        .filter((p) => p.space === cql.space && (cql.since === undefined || new Date(p.when) >= cql.since))
        .sort((a, b) => a.when.localeCompare(b.when));
      path = '/rest/api/content/search';
    } else {
      return send(404, { statusCode: 404, message: 'No content found' });
    }
    const slice = matches.slice(start, start + limit);
    const nextParams = new URLSearchParams({ ...query, start: String(start + limit) });
    const more = start + limit < matches.length;
    return send(200, {
      results: slice.map((p) => toContent(p, expand)),
      start,
      limit,
      size: slice.length,
      _links: {
        base,
        context: '/wiki',
        self: `${base}${path}?${new URLSearchParams(query)}`,
        ...(more
          ? {
              next: fake.foreignNextLinks
                ? `http://evil.example${path}?${nextParams}`
                : `${path}?${nextParams}`,
            }
          : {}),
      },
    });
  };
  upstream.route('GET', /^\/wiki\//, handle);
  return {
    baseUrl: base,
    get pages() {
      return fake.pages;
    },
    set pages(value) {
      fake.pages = value;
    },
    requests: fake.requests,
    throttleNext(n) {
      fake.throttle = n;
    },
    get foreignNextLinks() {
      return fake.foreignNextLinks;
    },
    set foreignNextLinks(value) {
      fake.foreignNextLinks = value;
    },
    hang: (match) => upstream.hang(match),
    get inFlight() {
      return upstream.inFlight;
    },
    waitForInFlight: (count) => upstream.waitForInFlight(count),
    close: () => upstream.close(),
  };
}
