import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireEnv } from '../src/index.ts';

describe('requireEnv', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('returns the value without printing when the variable is set', () => {
    vi.stubEnv('MCP_TEST_SUPPORT_SET', 'postgres://x');
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(requireEnv('MCP_TEST_SUPPORT_SET', 'suite a')).toBe('postgres://x');
    expect(write).not.toHaveBeenCalled();
  });

  it('prints one loud line naming the suite and the variable, once', () => {
    vi.stubEnv('MCP_TEST_SUPPORT_UNSET', '');
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(requireEnv('MCP_TEST_SUPPORT_UNSET', 'suite b', 'PostgreSQL 15+')).toBeUndefined();
    expect(requireEnv('MCP_TEST_SUPPORT_UNSET', 'suite b', 'PostgreSQL 15+')).toBeUndefined();
    expect(write).toHaveBeenCalledTimes(1);
    expect(write).toHaveBeenCalledWith(
      'SKIPPED suite b: set MCP_TEST_SUPPORT_UNSET (PostgreSQL 15+) to run it\n',
    );
  });
});
