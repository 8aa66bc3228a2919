import { Counter, type Registry } from 'prom-client';

/**
 * Live migrations, counted for `/metrics` and `/admin/state`: moves the policy's controllers asked
 * for (attempted), the ones whose continuation took over (succeeded), the ones abandoned by reason
 * (`refused`: the target answered non-200; `ended`/`connect`/`timeout`: the target failed before its
 * first event; `source-finished`: the source ended first; `source-failed`; `client-gone`), and the
 * tokens re-sent to targets as prompt (the original prompt, and the generated text).
 */
export class MigrationCounters {
  attemptedCount = 0;
  succeededCount = 0;
  readonly failedBy: Record<string, number> = {};
  resentPromptTokens = 0;
  resentGeneratedTokens = 0;
  private readonly attemptedTotal: Counter;
  private readonly succeededTotal: Counter;
  private readonly failedTotal: Counter<'reason'>;
  private readonly resentTotal: Counter<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.attemptedTotal = new Counter({ name: 'gaps_router_migrations_attempted_total', help: 'Live moves started by the policy\'s controllers (--rebalance).', registers });
    this.succeededTotal = new Counter({ name: 'gaps_router_migrations_succeeded_total', help: 'Live moves whose continuation took over the stream.', registers });
    this.failedTotal = new Counter({ name: 'gaps_router_migrations_failed_total', help: 'Live moves abandoned (the request stayed on its source), by reason.', labelNames: ['reason'], registers });
    this.resentTotal = new Counter({ name: 'gaps_router_migration_resent_tokens_total', help: 'Tokens re-sent to move targets as prompt: the original prompt, and the text generated so far.', labelNames: ['kind'], registers });
  }

  attempted(promptTokens: number, generatedTokens: number): void {
    this.attemptedCount++;
    this.attemptedTotal.inc();
    this.resentPromptTokens += promptTokens;
    this.resentGeneratedTokens += generatedTokens;
    this.resentTotal.inc({ kind: 'prompt' }, promptTokens);
    if (generatedTokens > 0) this.resentTotal.inc({ kind: 'generated' }, generatedTokens);
  }

  succeeded(): void {
    this.succeededCount++;
    this.succeededTotal.inc();
  }

  failed(reason: string): void {
    this.failedBy[reason] = (this.failedBy[reason] ?? 0) + 1;
    this.failedTotal.inc({ reason });
  }

  snapshot(): { attempted: number; succeeded: number; failed: Record<string, number>; resentPromptTokens: number; resentGeneratedTokens: number } {
    return { attempted: this.attemptedCount, succeeded: this.succeededCount, failed: { ...this.failedBy }, resentPromptTokens: this.resentPromptTokens, resentGeneratedTokens: this.resentGeneratedTokens };
  }
}
