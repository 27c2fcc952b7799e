// How the CLI fails: user errors (bad flags, missing files, no ffmpeg, unknown method) print one
// line and exit 1 without a stack trace; PLM_IPE_DEBUG=1 prints the stack for bug reports.
// Also the option parsers that turn bad flag values into such errors.
import { InvalidArgumentError } from 'commander';
import { TRAINED_METHODS } from '../pipeline/train.js';
import type { MethodName } from '../models/presets.js';

/** Prints `plm-ipe: error: <message>` (stack only with PLM_IPE_DEBUG) and sets exit code 1. */
export function reportError(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`plm-ipe: error: ${e.message}\n`);
  if (process.env.PLM_IPE_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}

/** Commander parser for a positive integer flag. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'.`);
  return n;
}

/** Commander parser for an integer flag (seeds). */
export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got '${value}'.`);
  return n;
}

/** Commander parser for one of a fixed set of values. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!choices.includes(value as T))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${value}'.`);
    return value as T;
  };
}

/**
 * Parses demo's `--methods` and train's `--method`: `all` (the five trained methods) or a
 * comma-separated list of them, in any letter case, none twice.
 */
export function methodList(value: string): MethodName[] {
  const expected = `${TRAINED_METHODS.join(', ')} (or all)`;
  if (value.trim().toLowerCase() === 'all') return [...TRAINED_METHODS];
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError(`expected one or more of ${expected}, got '${value}'`);
  const methods = names.map((n) => {
    const found = TRAINED_METHODS.find((m) => m.toLowerCase() === n.toLowerCase());
    if (!found) throw new InvalidArgumentError(`unknown method '${n}'; expected one of ${expected}`);
    return found;
  });
  if (new Set(methods).size !== methods.length) throw new InvalidArgumentError(`'${value}' names a method twice`);
  return methods;
}
