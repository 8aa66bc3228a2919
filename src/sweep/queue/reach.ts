import { Redis } from 'ioredis';
import { ConfigError } from '../../core/errors.js';
import type { QueueTarget } from './connection.js';

interface Emitter {
  on(event: 'error', listener: (e: Error) => void): unknown;
}

/**
 * Routes a BullMQ object's connection errors to one log line each (repeats of the same message are
 * dropped) instead of a stack trace per reconnection attempt.
 */
export function quietErrors(e: Emitter, log: (line: string) => void): void {
  let last: string | undefined;
  e.on('error', (err) => {
    const msg = err.message;
    if (msg !== last) log(`redis: ${msg}; retrying`);
    last = msg;
  });
}

/**
 * One PING on a connection of its own that gives up instead of retrying: an unreachable Redis when
 * a sweep starts is a user error naming the URL (later outages are waited out by BullMQ).
 */
export async function reachOrFail(target: QueueTarget, timeoutMs = 5000): Promise<void> {
  const r = new Redis({ ...target.connection, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: string | undefined;
  r.on('error', (e: Error) => {
    cause ??= e.message;
  });
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    throw new ConfigError(`--queue: cannot reach ${target.display}: ${cause ?? (e as Error).message}`);
  } finally {
    r.disconnect();
  }
}
