import test from 'ava';
import { createPool, PoolError } from '../../index.js';
import { tempDir } from '../../test/helpers.js';
import { ConnectionPoolManager } from './connection-pool-manager.js';

test('the seed interface acquires, releases, reports stats and optimizes', async (t) => {
  const tmp = tempDir();
  const manager = new ConnectionPoolManager(createPool({ filename: tmp.file() }));
  const writer = await manager.getConnection();
  t.is(writer.mode, 'write');
  await writer.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
  await writer.run('INSERT INTO users (name) VALUES (?)', ['ann']);
  t.is(manager.getPoolStats().leasedWrite, 1);
  await manager.releaseConnection(writer);
  const reader = await manager.getConnection('read');
  t.deepEqual(await reader.get('SELECT name FROM users'), { name: 'ann' });
  await manager.releaseConnection(reader);
  const err = await t.throwsAsync(manager.releaseConnection(reader));
  t.is((err as PoolError).code, 'DOUBLE_RELEASE');
  await manager.optimizePool();
  const stats = manager.getPoolStats();
  t.is(stats.leased, 0);
  t.is(stats.acquired, 3);
  t.is(stats.doubleReleases, 1);
  await manager.close();
  tmp.cleanup();
});
