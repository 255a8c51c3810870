export { describeWithEnv, describeWithPostgres, describeWithRedis, loudSkip, requireEnv } from './env.ts';
export { listen } from './listen.ts';
export { type RoundRobinProxy, roundRobinProxy } from './round-robin-proxy.ts';
