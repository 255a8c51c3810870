import { describe, expect, it } from 'vitest';
import { REDACTED, redactPaths } from '../../src/observability/redact.ts';
import { parseTraceparent, traceHeaders } from '../../src/observability/trace.ts';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('parses a valid traceparent and rejects invalid ones', () => {
    expect(parseTraceparent(PARENT)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
    expect(parseTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent(`${PARENT}-extra`)).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });

  it('passes the trace on to backends with a new span id, plus the correlation id', () => {
    const headers = traceHeaders({ traceparent: PARENT, correlationId: 'req-1' });
    expect(headers['x-request-id']).toBe('req-1');
    const child = parseTraceparent(headers.traceparent);
    expect(child?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child?.flags).toBe('01');
    expect(child?.parentId).not.toBe('00f067aa0ba902b7');
    expect(traceHeaders({ traceparent: 'bogus', correlationId: 'req-2' })).toEqual({
      'x-request-id': 'req-2',
    });
  });
});

describe('redactPaths', () => {
  it('redacts dot paths, through arrays and with wildcards, without touching the input', () => {
    const args = {
      id: 1,
      card: { number: '4111', cvc: '123' },
      contacts: [{ email: 'a@x' }, { email: 'b@x' }],
      secrets: { a: 1, b: 2 },
    };
    const out = redactPaths(args, ['card.number', 'contacts.email', 'secrets.*', 'missing.path']);
    expect(out).toEqual({
      id: 1,
      card: { number: REDACTED, cvc: '123' },
      contacts: [{ email: REDACTED }, { email: REDACTED }],
      secrets: { a: REDACTED, b: REDACTED },
    });
    expect(args.card.number).toBe('4111');
  });
});
