import { createHash } from 'node:crypto';
import { parseSimulateConfig, type SimulateInput } from '../run/config.js';
import { canonicalJson } from './keyPath.js';

/**
 * A point's identity: the hash of its validated config (defaults filled in, keys sorted; the seed is
 * part of the config) and the project version. Equal configs under one version are one point, run
 * once: this is the resume key on disk and the BullMQ job id in Redis.
 */
export function pointId(config: SimulateInput, version: string, source = 'sweep point'): string {
  const parsed = parseSimulateConfig(config, source);
  const h = createHash('sha256').update(canonicalJson({ config: parsed, version })).digest('hex');
  // A letter first: BullMQ rejects integer-looking custom ids.
  return `p${h.slice(0, 40)}`;
}

/** The hash of a list of ids (names a parent job: the same remaining points give the same id). */
export function groupId(ids: readonly string[], prefix: string): string {
  return `${prefix}${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 40)}`;
}
