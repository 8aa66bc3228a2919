/**
 * Typed errors for user mistakes. The CLI maps them to exit codes and one readable line; the live
 * router maps them to HTTP statuses. Anything else is a bug and keeps its stack trace.
 */
export class GapsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A setting is wrong: names the key, what was expected and what was received. */
export class ConfigError extends GapsError {}

/** An input file is malformed: names the file, the line and the field. */
export class InputError extends GapsError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}:${line}: field '${field}': ${problem}`);
  }
}

/** A simulator invariant broke (a bug, not a user mistake). */
export class InvariantError extends GapsError {}

export function isUserError(e: unknown): e is ConfigError | InputError {
  return e instanceof ConfigError || e instanceof InputError;
}
