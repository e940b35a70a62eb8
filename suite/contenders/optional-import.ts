/**
 * Imports a package the suite only needs for one contender or nicety (tarn, generic-pool,
 * cli-progress are devDependencies: present in a checkout, absent where roas-pool is installed
 * as a dependency). A missing package becomes an error that says how to get it.
 */
export async function optionalImport<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(`this needs the "${name}" package: npm install --save-dev ${name}`, { cause: err });
  }
}
