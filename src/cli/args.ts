// Argument parsing shared by the commands: node's util.parseArgs, with every failure turned into
// a UsageError (usage on stderr, exit code 2) and typed number and choice options checked.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad arguments: src/cli.ts prints the message and the command's usage on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parse(args: string[], options: Options, usage: string, allowPositionals = true): ParsedArgs {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true }) as ParsedArgs;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), usage);
  }
}

/** Reads a numeric option: undefined stays undefined; anything not a number (or outside the
 * bounds, or not an integer when asked) is a UsageError naming the option. */
export function numberOption(
  raw: ParsedArgs['values'][string],
  name: string,
  usage: string,
  check: { integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  // Options read here are declared { type: 'string' }; anything else is a wiring mistake.
  if (typeof raw !== 'string') throw new UsageError(`${name} needs a value`, usage);
  const value = raw;
  const v = Number(value);
  const bad =
    value.trim() === '' ||
    !Number.isFinite(v) ||
    (check.integer && !Number.isInteger(v)) ||
    (check.min !== undefined && (check.exclusiveMin ? v <= check.min : v < check.min)) ||
    (check.max !== undefined && v > check.max);
  if (bad) {
    const range = [
      check.integer ? 'an integer' : 'a number',
      check.min !== undefined ? `${check.exclusiveMin ? '>' : '>='} ${check.min}` : '',
      check.max !== undefined ? `<= ${check.max}` : '',
    ].filter(Boolean).join(' ');
    throw new UsageError(`${name} must be ${range}, got '${value}'`, usage);
  }
  return v;
}

/** Reads an option with a fixed set of values: undefined gives `fallback`, anything else not in
 * `allowed` is a UsageError naming the option and the values. */
export function choice<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T, usageText: string): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}, got '${String(value)}'`, usageText);
  return value as T;
}
