import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ClusterPolicy } from '../../policies/clusterPolicy.js';
import type { BackendState } from '../backend.js';
import type { LiveSloJudge } from '../liveSlo.js';

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];
const TPOT = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 1];

/**
 * The gateway's own Prometheus metrics (prom-client, one registry per gateway). Per-backend series
 * are labelled with the backend's URL. Policy counters (e.g. GAPS's calibration coverage) come from
 * `ClusterPolicy.stats()` under `gaps_router_policy_stat{stat}`, whatever the policy.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly routed: Counter<'backend'>;
  readonly ttft: Histogram<'backend'>;
  readonly tpot: Histogram<'backend'>;
  readonly e2e: Histogram<'backend'>;
  readonly retries: Counter<'backend'>;
  readonly upstreamErrors: Counter<'backend' | 'kind'>;
  readonly rejections: Counter<'reason'>;
  readonly predictionError: Histogram;
  readonly decision: Histogram;
  readonly scrapeErrors: Counter<'backend'>;

  constructor(backends: readonly BackendState[], policy: ClusterPolicy, now: () => number, staleAfterS: number, slo?: LiveSloJudge) {
    const r = this.registry;
    const backend = ['backend'] as const;
    this.routed = new Counter({ name: 'gaps_router_routed_total', help: 'Requests routed to each backend (attempts, retries included).', labelNames: backend, registers: [r] });
    new Gauge({
      name: 'gaps_router_in_flight',
      help: 'Requests routed to the backend whose stream has not ended (the router\'s own count).',
      labelNames: backend,
      registers: [r],
      collect() {
        this.reset(); // a slot's URL changes when the endpoint set does
        for (const b of backends) if (!b.vacant) this.set({ backend: b.url }, b.outstanding);
      },
    });
    new Gauge({
      name: 'gaps_router_backend_up',
      help: '1 when the backend may be routed to (not draining, not in failure cooldown).',
      labelNames: backend,
      registers: [r],
      collect() {
        this.reset();
        const t = now();
        for (const b of backends) if (!b.vacant) this.set({ backend: b.url }, b.available(t) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gaps_router_backend_signal',
      help: 'Last scraped backend signal (waiting, running, kv_usage); absent when unknown or stale.',
      labelNames: ['backend', 'signal'],
      registers: [r],
      collect() {
        this.reset();
        const t = now();
        for (const b of backends) {
          if (b.vacant || !b.fresh(t, staleAfterS)) continue;
          const s = b.snapshot;
          if (Number.isFinite(s.waiting)) this.set({ backend: b.url, signal: 'waiting' }, s.waiting);
          if (Number.isFinite(s.running)) this.set({ backend: b.url, signal: 'running' }, s.running);
          if (Number.isFinite(s.kvUsage)) this.set({ backend: b.url, signal: 'kv_usage' }, s.kvUsage);
        }
      },
    });
    new Gauge({
      name: 'gaps_router_policy_stat',
      help: 'Counters the routing policy reports about itself (e.g. calibrationCoverage for GAPS).',
      labelNames: ['policy', 'stat'],
      registers: [r],
      collect() {
        const s = policy.stats?.() ?? {};
        for (const [k, v] of Object.entries(s)) if (Number.isFinite(v)) this.set({ policy: policy.router.name, stat: k }, v);
      },
    });
    if (slo) {
      new Gauge({
        name: 'gaps_router_slo_violation_rate',
        help: 'Recent SLO-violation rate per backend: violated / judged over the last window with completions (what the policy sees).',
        labelNames: backend,
        registers: [r],
        collect() {
          this.reset();
          const t = now();
          for (const b of backends) if (!b.vacant) this.set({ backend: b.url }, slo.rate(b.id, t));
        },
      });
      const total = (name: string, help: string, value: (id: number) => number): void => {
        new Counter({
          name,
          help,
          labelNames: backend,
          registers: [r],
          collect() {
            this.reset();
            for (const b of backends) if (!b.vacant) this.inc({ backend: b.url }, value(b.id));
          },
        });
      };
      total('gaps_router_slo_judged_total', 'Requests finished on the backend and judged against the SLOs (goodput = judged - violations).', (i) => slo.backends[i]?.judged ?? 0);
      total('gaps_router_slo_violations_total', 'Requests finished on the backend that missed an SLO.', (i) => slo.backends[i]?.violated ?? 0);
    }
    this.ttft = new Histogram({ name: 'gaps_router_ttft_seconds', help: 'Time to first token seen by the router.', labelNames: backend, buckets: LATENCY, registers: [r] });
    this.tpot = new Histogram({ name: 'gaps_router_tpot_seconds', help: 'Time per output token after the first: (e2e - ttft) / (output - 1).', labelNames: backend, buckets: TPOT, registers: [r] });
    this.e2e = new Histogram({ name: 'gaps_router_e2e_seconds', help: 'End-to-end latency seen by the router.', labelNames: backend, buckets: LATENCY, registers: [r] });
    this.retries = new Counter({ name: 'gaps_router_retries_total', help: 'Requests retried on another backend after this one failed before the first token.', labelNames: backend, registers: [r] });
    this.upstreamErrors = new Counter({ name: 'gaps_router_upstream_errors_total', help: 'Failed upstream attempts by kind (connect, status, timeout, midstream).', labelNames: ['backend', 'kind'], registers: [r] });
    this.rejections = new Counter({ name: 'gaps_router_rejections_total', help: 'Requests the router refused (busy 429, no_backend 503, draining 503, exhausted 502).', labelNames: ['reason'], registers: [r] });
    this.predictionError = new Histogram({
      name: 'gaps_router_prediction_abs_error_tokens',
      help: 'Absolute error of the output-length prediction made at admission, tokens.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers: [r],
    });
    this.decision = new Histogram({ name: 'gaps_router_decision_seconds', help: 'Time the policy took to pick a backend.', buckets: [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3], registers: [r] });
    this.scrapeErrors = new Counter({ name: 'gaps_router_scrape_errors_total', help: 'Failed /metrics scrapes of a backend.', labelNames: backend, registers: [r] });
  }
}
