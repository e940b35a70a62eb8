import test from 'ava';
import { rmSync, writeFileSync } from 'node:fs';
import { tempDir } from '../../../test/helpers.js';
import { fileGuard } from './file-guard.js';

test('many guards on one file share one poll, and each hears the file vanish', async (t) => {
  const tmp = tempDir();
  const file = tmp.file('guarded.db');
  writeFileSync(file, 'x');
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  const guards = Array.from({ length: 12 }, () => fileGuard(file, (msg) => new Error(msg), 5));
  const heard = guards.map(
    (guard) =>
      new Promise<string>((resolve) => {
        guard.arm();
        guard.listen((cause) => resolve(cause.message));
      }),
  );
  // The poll never keeps the process alive (a pool's own timers do): hold it open meanwhile.
  const keepAlive = setInterval(() => undefined, 1000);
  rmSync(file);
  const messages = await Promise.all(heard);
  clearInterval(keepAlive);
  t.true(messages.every((m) => /deleted, moved or replaced/.test(m)));
  for (const guard of guards) guard.close();
  await new Promise((resolve) => setImmediate(resolve));
  process.off('warning', onWarning);
  t.deepEqual(warnings, []);
  tmp.cleanup();
});
