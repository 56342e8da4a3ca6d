/** Failures that are neither a bad type (TypeError) nor a bad shape or value (RangeError). */
export class SpeclinError<Partial = unknown> extends Error {
  readonly code: string;
  /** For ERR_NOT_CONVERGED: what was computed before the solver stopped. */
  readonly partial?: Partial;

  constructor(code: string, message: string, partial?: Partial) {
    super(message);
    this.name = 'SpeclinError';
    this.code = code;
    if (partial !== undefined) this.partial = partial;
  }
}

/** Native errors arrive as TypeError, RangeError, or Error with a `code`; the last become
 * SpeclinError so that callers can test `instanceof`. */
export function fromNative(err: unknown): unknown {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SpeclinError) return err;
  if (err instanceof Error) {
    const code = (err as Error & { code?: string }).code ?? 'ERR_NATIVE';
    return new SpeclinError(code, err.message);
  }
  return err;
}

/** Calls a native function, rethrowing its errors as speclin's classes. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromNative(err);
  }
}

/** The Promise form of callNative: errors thrown synchronously (argument checks) and rejections
 * (failures on the worker) both become rejections of the returned Promise. */
export async function callNativeAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromNative(err);
  }
}
