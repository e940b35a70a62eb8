/**
 * Imports a package the suite only needs for one contender (tarn, generic-pool and kysely are
 * devDependencies: present in a checkout, absent where roas-pool is installed as a dependency).
 * A missing package becomes an error that says how to get it.
 */
export async function optionalImport<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(`this needs the "${name}" package: npm install --save-dev ${name}`, { cause: err });
  }
}

/**
 * The package each contender needs beyond roas-pool's own dependencies. A contender not listed
 * here needs nothing more (naive, naive-bt0 and roas-pool use better-sqlite3 only).
 */
export const CONTENDER_PACKAGES: Readonly<Record<string, string>> = {
  tarn: 'tarn',
  'generic-pool': 'generic-pool',
  'kysely-sqlite': 'kysely',
  'kysely-roas-pool': 'kysely',
};

/**
 * The package a contender needs that cannot be imported here, or `undefined` when it can run.
 *
 * @example
 * ```ts
 * const missing = await missingPackage('tarn'); // 'tarn' where tarn is not installed
 * ```
 */
export async function missingPackage(contender: string): Promise<string | undefined> {
  const name = CONTENDER_PACKAGES[contender];
  if (name === undefined) return undefined;
  try {
    await import(name);
    return undefined;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return name;
    throw err;
  }
}
