import { PoolError } from '../../../core/errors/errors.js';
import type { Params } from '../../../core/driver.js';

/** Whether `value` survives `postMessage` (the structured clone algorithm). */
function clones(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function kindOf(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (value !== null && typeof value === 'object')
    return `an object of class ${value.constructor?.name ?? 'none'}`;
  return typeof value;
}

/** The first parameter of one set that does not clone, as `parameter 2` or `parameter @name`. */
function firstUnsendable(params: Params): { where: string; value: unknown } | undefined {
  if (Array.isArray(params)) {
    const list = params as readonly unknown[];
    const i = list.findIndex((value) => !clones(value));
    return i < 0 ? undefined : { where: `parameter ${i + 1}`, value: list[i] };
  }
  for (const [name, value] of Object.entries(params))
    if (!clones(value)) return { where: `parameter @${name}`, value };
  return undefined;
}

/**
 * Why a request's parameters cannot cross to a worker thread, naming the parameter, or
 * `undefined` when they can. Called only once a batch failed to send: it clones each value to
 * find the culprit, which a request that sends never pays for. `getMany` passes its list of sets.
 * @internal
 */
export function unsendable(
  params: Params | readonly Params[] | undefined,
  many: boolean,
  cause: unknown,
): PoolError | undefined {
  if (params === undefined || clones(params)) return undefined;
  const sets = many ? (params as readonly Params[]) : [params];
  for (let s = 0; s < sets.length; s++) {
    const found = firstUnsendable(sets[s] as Params);
    if (found === undefined) continue;
    const set = many ? `parameter set ${s + 1}, ` : '';
    return new PoolError(
      'INVALID_ARGUMENT',
      `${set}${found.where} is ${kindOf(found.value)}, which cannot be sent to a worker thread (bind numbers, strings, bigints, Buffers or null); the statement was not run`,
      { cause },
    );
  }
  return new PoolError(
    'INVALID_ARGUMENT',
    'the parameters cannot be sent to a worker thread (bind numbers, strings, bigints, Buffers or null); the statement was not run',
    { cause },
  );
}
