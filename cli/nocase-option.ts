import { UsageError } from './args.js';
import type { NocaseMode } from './nocase.js';

/** `--nocase citext|lower` as given, or a usage error naming both. */
export function nocaseOption(value: string | undefined, command: string): NocaseMode | undefined {
  if (value === undefined || value === 'citext' || value === 'lower') return value;
  throw new UsageError(`--nocase takes citext or lower, got '${value}'`, command);
}
