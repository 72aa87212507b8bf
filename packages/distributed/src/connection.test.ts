import { isPortflowError } from '@portflow/core';
import { checkRedisServer, redisOptions } from './connection';
import { jobIdOf } from './protocol';

describe('checkRedisServer', () => {
  const server = (settings: Record<string, string>) => ({ config: async (_get: 'GET', name: string) => [name, settings[name] ?? ''] });

  it('accepts maxmemory-policy noeviction, with nothing to say when Redis persists its data', async () => {
    await expect(checkRedisServer(server({ 'maxmemory-policy': 'noeviction', appendonly: 'yes', save: '' }))).resolves.toEqual([]);
    await expect(checkRedisServer(server({ 'maxmemory-policy': 'noeviction', appendonly: 'no', save: '3600 1' }))).resolves.toEqual([]);
  });

  it('warns when persistence is off: a Redis restart would lose the jobs', async () => {
    const warnings = await checkRedisServer(server({ 'maxmemory-policy': 'noeviction', appendonly: 'no', save: '' }));
    expect(warnings).toEqual([expect.stringMatching(/^Redis persistence is off \(appendonly no, save ''\).*CONFIG SET appendonly yes/)]);
  });

  it('refuses another policy, naming the setting and the fix', async () => {
    const error = await checkRedisServer({ config: async () => ['maxmemory-policy', 'allkeys-lru'] }).catch((e: unknown) => e);
    expect(isPortflowError(error, 'PORTFLOW_REDIS_UNSUITABLE')).toBe(true);
    expect((error as Error).message).toMatch(/maxmemory-policy 'allkeys-lru'.*CONFIG SET maxmemory-policy noeviction.*redis\.conf/);
  });

  it('passes servers that refuse CONFIG', async () => {
    await expect(checkRedisServer({ config: async () => Promise.reject(new Error('unknown command')) })).resolves.toEqual([]);
  });
});

describe('redisOptions', () => {
  it('reads a redis:// URL and sets maxRetriesPerRequest: null', () => {
    expect(redisOptions('redis://u:p%40ss@h:6380/2')).toEqual({ host: 'h', port: 6380, username: 'u', password: 'p@ss', db: 2, maxRetriesPerRequest: null });
  });
});

describe('jobIdOf', () => {
  it('is deterministic, never an integer and never holds a colon', () => {
    expect(jobIdOf('run:1', 'op.a', 2)).toBe('run%3A1.op%2Ea.2');
    expect(jobIdOf('1', '2', 3)).toBe('1.2.3');
    expect(jobIdOf('r', 'o', 1)).toBe(jobIdOf('r', 'o', 1));
  });
});
