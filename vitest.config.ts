import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@mcp-platform/source'] },
  ssr: { resolve: { conditions: ['@mcp-platform/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'servers/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
