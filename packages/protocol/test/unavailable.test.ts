import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isUnavailability } from '../src/index.ts';

describe('isUnavailability', () => {
  it('recognises a refused connection', async () => {
    // Port 1 is privileged and never served here: the connection is refused at once.
    const error = await new Promise<Error>((resolve) => {
      const socket = connect(1, '127.0.0.1');
      socket.once('error', resolve);
    });
    expect(isUnavailability(error)).toBe(true);
  });

  it('tells outages from bugs by SQLSTATE, driver message and wrapped cause', () => {
    expect(isUnavailability(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isUnavailability(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    expect(isUnavailability(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnavailability(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }))).toBe(true);
    expect(isUnavailability(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isUnavailability(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
  });
});
