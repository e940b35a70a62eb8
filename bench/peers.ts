import { createPool as createGenericPool, type Pool as GenericPool } from 'generic-pool';
import { Pool as TarnPool } from 'tarn';

/**
 * tarn and generic-pool over connections made by `open` and closed by `close`, sized as the pool
 * they are compared with (`max`, none kept open at start): the peer anchors of the benches.
 */
export function peerPools<C>(
  open: () => C,
  close: (conn: C) => void,
  max: number,
): { tarn: TarnPool<C>; generic: GenericPool<C> } {
  const tarn = new TarnPool<C>({ create: () => open(), destroy: (c) => void close(c), min: 0, max });
  const generic = createGenericPool<C>(
    { create: async () => open(), destroy: async (c) => void close(c) },
    { min: 0, max },
  );
  return { tarn, generic };
}
