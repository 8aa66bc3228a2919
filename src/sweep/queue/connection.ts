import { ConfigError } from '../../core/errors.js';

/** Where a distributed sweep lives: a Redis server and the name of the BullMQ queue on it. */
export interface QueueTarget {
  readonly connection: {
    readonly host: string;
    readonly port: number;
    readonly db: number;
    readonly username?: string;
    readonly password?: string;
    /** BullMQ workers need commands to wait for a reconnect instead of failing (Redis restarts). */
    readonly maxRetriesPerRequest: null;
  };
  readonly queueName: string;
  /** The URL without credentials, for logs. */
  readonly display: string;
}

export const DEFAULT_QUEUE_NAME = 'gaps-sweep';

/** Parses `redis://[user:password@]host[:port][/db][?queue=NAME]`. */
export function parseQueueUrl(url: string, flag = '--queue'): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`${flag}: expected redis://HOST:PORT[/DB][?queue=NAME], got '${url}'`);
  }
  if (u.protocol !== 'redis:') throw new ConfigError(`${flag}: expected a redis:// URL, got '${url}'`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new ConfigError(`${flag}: database must be a non-negative integer, got '${dbText}'`);
  const queueName = u.searchParams.get('queue') ?? DEFAULT_QUEUE_NAME;
  if (!/^[A-Za-z0-9_-]+$/.test(queueName)) throw new ConfigError(`${flag}: queue name may use letters, digits, '-' and '_', got '${queueName}'`);
  return {
    connection: {
      host: u.hostname || '127.0.0.1',
      port,
      db,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      maxRetriesPerRequest: null,
    },
    queueName,
    display: `redis://${u.hostname || '127.0.0.1'}:${port}/${db} queue ${queueName}`,
  };
}

/** What a point job carries: the config to run and the version that made its id. */
export interface PointJobData {
  readonly config: unknown;
  readonly version: string;
}

/** Job names: one per point, and the parent that collects a batch's results. */
export const POINT_JOB = 'point';
export const COLLECT_JOB = 'collect';
