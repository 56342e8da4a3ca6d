// Argument parsing shared by the commands: node's util.parseArgs, with every failure turned into
// a UsageError (usage on stderr, exit code 2) and typed number options checked.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './registry.js';

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
  value: string | undefined,
  name: string,
  usage: string,
  check: { integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
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
