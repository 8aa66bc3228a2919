import { HttpError } from '../openai.js';

/** Faults an operator (or a test) injects into a running emulator through POST /admin/faults. */
export interface Faults {
  /** Every iteration takes this many times longer (1 = healthy). */
  slowdown: number;
  /** Fraction of completion requests answered with HTTP 500 before any work. */
  errorRate: number;
  /** Drop the connection after this many streamed tokens (null = never). */
  dropAfterTokens: number | null;
  /** /metrics stops answering (requests to it hang). */
  metricsDown: boolean;
  /** Nothing but /admin answers any more (requests hang, like a wedged process). */
  hang: boolean;
}

export function healthyFaults(): Faults {
  return { slowdown: 1, errorRate: 0, dropAfterTokens: null, metricsDown: false, hang: false };
}

/** Merges a partial fault description into `f`; a bad field is a 400 naming it. */
export function applyFaults(f: Faults, body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'faults: body must be a JSON object');
  const b = body as Record<string, unknown>;
  const known = Object.keys(healthyFaults());
  for (const k of Object.keys(b)) if (!known.includes(k)) throw new HttpError(400, `faults: unknown field '${k}'; valid: ${known.join(', ')}`, undefined, k);
  const num = (k: string, ok: (x: number) => boolean, expected: string): number | undefined => {
    const v = b[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !ok(v)) throw new HttpError(400, `faults: '${k}' must be ${expected}, got ${JSON.stringify(v)}`, undefined, k);
    return v;
  };
  const bool = (k: string): boolean | undefined => {
    const v = b[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new HttpError(400, `faults: '${k}' must be a boolean, got ${JSON.stringify(v)}`, undefined, k);
    return v;
  };
  const slowdown = num('slowdown', (x) => x >= 1 && Number.isFinite(x), 'a number >= 1');
  const errorRate = num('errorRate', (x) => x >= 0 && x <= 1, 'in [0, 1]');
  const drop = b.dropAfterTokens === null ? null : num('dropAfterTokens', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0 or null');
  const metricsDown = bool('metricsDown');
  const hang = bool('hang');
  if (slowdown !== undefined) f.slowdown = slowdown;
  if (errorRate !== undefined) f.errorRate = errorRate;
  if (drop !== undefined || b.dropAfterTokens === null) f.dropAfterTokens = drop ?? null;
  if (metricsDown !== undefined) f.metricsDown = metricsDown;
  if (hang !== undefined) f.hang = hang;
}
