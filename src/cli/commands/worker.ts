import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { parseQueueUrl } from '../../sweep/queue/connection.js';
import { int } from '../options.js';
import { projectVersion } from '../sweepCommon.js';

interface WorkerFlags {
  queue?: string;
  concurrency?: number;
  lockDuration?: number;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run sweep points from a Redis-backed BullMQ queue until stopped (Ctrl-C / SIGTERM finish the running points first).')
    .requiredOption('--queue <url>', 'redis://HOST:PORT[/DB][?queue=NAME], the same as the sweep\'s')
    .option('--concurrency <n>', 'points run at once, each on its own thread (default 1)', int('--concurrency'))
    .option('--lock-duration <ms>', 'job lock; a killed worker\'s points are retried after it expires (default 30000)', int('--lock-duration'))
    .action(async (f: WorkerFlags) => {
      const target = parseQueueUrl(f.queue as string);
      const concurrency = f.concurrency ?? 1;
      if (concurrency < 1) throw new ConfigError(`--concurrency: must be at least 1, got ${concurrency}`);
      if (f.lockDuration !== undefined && f.lockDuration < 100) throw new ConfigError(`--lock-duration: at least 100 ms, got ${f.lockDuration}`);
      const version = projectVersion();
      const log = (line: string): void => void process.stderr.write(`gaps worker: ${line}\n`);
      const { startQueueWorker } = await import('../../sweep/queue/queueWorker.js');
      const w = startQueueWorker(target, { concurrency, version, ...(f.lockDuration !== undefined ? { lockDurationMs: f.lockDuration } : {}), log });
      log(`${version} on ${target.display}, concurrency ${concurrency}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          log('stopping');
          // Exit once the running points are done, even if a Redis connection is still reconnecting.
          void w.close().then(() => {
            resolve();
            process.exit(process.exitCode ?? 0);
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
