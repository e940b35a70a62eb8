import test from 'ava';
import { withoutPreloads } from './thread-link.js';

test('a worker running the built JavaScript drops the main thread preloads and keeps its other flags', (t) => {
  t.deepEqual(
    withoutPreloads([
      '--require',
      '/app/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///app/node_modules/tsx/dist/loader.mjs',
      '--enable-source-maps',
      '-r',
      'dotenv/config',
      '--loader=ts-node/esm',
      '--experimental-loader',
      'x.mjs',
      '--import=@opentelemetry/auto',
      '--max-old-space-size=512',
      '-e',
      'console.log(1)',
    ]),
    ['--enable-source-maps', '--max-old-space-size=512'],
  );
  t.deepEqual(withoutPreloads([]), []);
});
