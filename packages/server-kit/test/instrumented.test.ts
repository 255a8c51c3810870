import { describe, expect, it } from 'vitest';
import { instrumented, type OperationList, type UpstreamCall } from '../src/index.ts';

interface ThingBackend {
  readonly kind: 'fake';
  listThings(limit: number, call: UpstreamCall): Promise<string[]>;
  getThing(id: string, call: UpstreamCall): Promise<string | undefined>;
  ready(): Promise<{ ok: boolean }>;
  close(): Promise<void>;
}

const OPERATIONS: OperationList<ThingBackend> = { listThings: true, getThing: true };

class Things implements ThingBackend {
  readonly kind = 'fake';
  async listThings(limit: number) {
    return ['a', 'b', 'c'].slice(0, limit);
  }
  async getThing(id: string) {
    if (id === 'boom') throw new Error('boom');
    return id;
  }
  async ready() {
    return { ok: true };
  }
  async close() {}
}

describe('instrumented backends', () => {
  it('observes every business operation under its name, errors included, and passes the rest through', async () => {
    const seen: Array<[string, 'ok' | 'error']> = [];
    const backend = instrumented(
      new Things(),
      {
        async observe(operation, fn) {
          try {
            const value = await fn();
            seen.push([operation, 'ok']);
            return value;
          } catch (error) {
            seen.push([operation, 'error']);
            throw error;
          }
        },
      },
      OPERATIONS,
    );
    const call = { signal: new AbortController().signal };
    expect(await backend.listThings(2, call)).toEqual(['a', 'b']);
    await expect(backend.getThing('boom', call)).rejects.toThrow('boom');
    expect(await backend.ready()).toEqual({ ok: true });
    expect(backend.kind).toBe('fake');
    expect(seen).toEqual([
      ['listThings', 'ok'],
      ['getThing', 'error'],
    ]);
  });

  it('checks the operation list at compile time', () => {
    // @ts-expect-error getThing is missing: forgetting an operation is a type error
    const missing: OperationList<ThingBackend> = { listThings: true };
    // @ts-expect-error ready is not a business operation
    const extra: OperationList<ThingBackend> = { listThings: true, getThing: true, ready: true };
    interface NoSignal {
      list(limit: number): Promise<string[]>;
    }
    // @ts-expect-error an operation that takes no call (signal) is refused
    const unsignalled: OperationList<NoSignal> = { list: true };
    expect([missing, extra, unsignalled]).toHaveLength(3);
  });
});
