/**
 * A received value as an error message shows it: the value as the caller wrote it, then its type,
 * so that a string `'10'` for a number reads `'10' (string)`, never `10`.
 *
 * @example
 * ```ts
 * showValue('10'); // "'10' (string)"
 * showValue(NaN); // 'NaN (number)'
 * showValue({}); // '{} (object)'
 * ```
 */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return `${clip(JSON.stringify(value).slice(1, -1).replace(/'/g, "\\'"), "'")} (string)`;
    case 'number':
      return `${String(value)} (number)`;
    case 'bigint':
      return `${String(value)}n (bigint)`;
    case 'boolean':
      return `${String(value)} (boolean)`;
    case 'symbol':
      return `${String(value)} (symbol)`;
    case 'function':
      return value.name ? `function ${value.name} (function)` : 'an anonymous function (function)';
    default:
      return showObject(value);
  }
}

const LIMIT = 60;

function clip(text: string, quote = ''): string {
  const body = text.length > LIMIT ? `${text.slice(0, LIMIT)}...` : text;
  return `${quote}${body}${quote}`;
}

function showObject(value: object): string {
  if (Array.isArray(value)) return `${clip(safeJson(value))} (array)`;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== null && proto !== Object.prototype) {
    const name = (proto.constructor as { name?: string } | undefined)?.name;
    return `an instance of ${name || 'an unnamed class'} (object)`;
  }
  return `${clip(safeJson(value))} (object)`;
}

function safeJson(value: object): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
