import type { SimulateInput } from '../../run/config.js';
import type { SweepJob } from '../sweep.js';
import { workloadSources, type WorkloadSource } from './design.js';

/**
 * The regime map (`gaps reproduce gaps-regimes`): where prediction-driven routing wins. One axis
 * varies per row, the others stay at the base cell: 8 Llama-2-7B/A100 instances, max_num_seqs 4, the
 * conversation trace at 0.8 of nominal capacity, the KV the GPU holds, and an oracle predictor (so a
 * row shows what predictions can be worth; the predictor row shows what is left of it with error,
 * bias, or the online linear model). Every policy runs on the same segments; the SLO is e2e <= 5x
 * unloaded latency, which does not depend on any predictor, so every policy is judged alike.
 */
export interface RegimeParams {
  readonly maxNumSeqs: number;
  /** 'conversation' | 'code' (traces) or 'lognormal:SIGMA' (the conversation preset with lognormal outputs). */
  readonly tail: string;
  readonly load: number;
  /** KV blocks per instance; undefined: what the GPU holds. */
  readonly kvBlocks: number | undefined;
  readonly predictor: string;
}

export interface RegimeCell {
  readonly row: string;
  readonly label: string;
  readonly params: RegimeParams;
}

export interface RegimePolicy {
  readonly name: string;
  readonly router: string;
  readonly scheduler?: string;
  /** 'cell': the cell's predictor; otherwise a fixed one. Baselines need none. */
  readonly predictor?: 'cell' | string;
  readonly baseline?: boolean;
}

/** FlashGen is not run: on session-less traces it routes exactly as least-outstanding. */
export const REGIME_POLICIES: readonly RegimePolicy[] = [
  { name: 'least-outstanding', router: 'least-outstanding', baseline: true },
  { name: 'llumnix', router: 'llumnix', baseline: true },
  { name: 'splitwise', router: 'splitwise', baseline: true },
  { name: 'gaps (linear)', router: 'gaps', predictor: 'linear' },
  { name: 'gaps', router: 'gaps', predictor: 'cell' },
  { name: 'least-work-left', router: 'least-work-left', predictor: 'cell' },
  { name: 'gaps rebalancer alone', router: 'gaps:uThreshold=1000000', predictor: 'cell' },
  { name: 'size-interval', router: 'size-interval', predictor: 'cell' },
  { name: 'least-outstanding + sprpt', router: 'least-outstanding', scheduler: 'sprpt', predictor: 'cell' },
  { name: 'gaps + sprpt', router: 'gaps', scheduler: 'sprpt', predictor: 'cell' },
  { name: 'least-outstanding + sprpt-aged', router: 'least-outstanding', scheduler: 'sprpt-aged', predictor: 'cell' },
  { name: 'gaps + sprpt-aged', router: 'gaps', scheduler: 'sprpt-aged', predictor: 'cell' },
];

export const REGIME_BASE: RegimeParams = { maxNumSeqs: 4, tail: 'conversation', load: 0.8, kvBlocks: undefined, predictor: 'oracle' };
export const REGIME_INSTANCES = 8;

function row(name: string, values: readonly { label: string; over: Partial<RegimeParams> }[], base: RegimeParams = REGIME_BASE): RegimeCell[] {
  return values.map((v) => ({ row: name, label: v.label, params: { ...base, ...v.over } }));
}

export function regimeCells(full: boolean, quick: boolean): RegimeCell[] {
  if (quick) return row('maxNumSeqs', [1, 256].map((b) => ({ label: `B=${b}`, over: { maxNumSeqs: b } })));
  const bases: RegimeParams[] = full ? [REGIME_BASE, { ...REGIME_BASE, maxNumSeqs: 256 }] : [REGIME_BASE];
  const cells: RegimeCell[] = [];
  cells.push(...row('maxNumSeqs', [1, 2, 4, 16, 256].map((b) => ({ label: `B=${b}`, over: { maxNumSeqs: b } }))));
  if (full) cells.push(...row('maxNumSeqs at load 0.95', [1, 2, 4, 16, 256].map((b) => ({ label: `B=${b}, load 0.95`, over: { maxNumSeqs: b, load: 0.95 } }))));
  for (const base of bases) {
    const at = base.maxNumSeqs === REGIME_BASE.maxNumSeqs ? '' : ` (B=${base.maxNumSeqs})`;
    cells.push(
      ...row(`output tail${at}`, [
        { label: `conversation trace${at}`, over: { tail: 'conversation' } },
        { label: `code trace${at}`, over: { tail: 'code' } },
        { label: `lognormal sigma 0.5${at}`, over: { tail: 'lognormal:0.5' } },
        { label: `lognormal sigma 1.0${at}`, over: { tail: 'lognormal:1.0' } },
      ], base),
      ...row(`load${at}`, [0.6, 0.8, 0.95].map((l) => ({ label: `load ${l}${at}`, over: { load: l } })), base),
      ...row(`predictor${at}`, [
        { label: `oracle${at}`, over: { predictor: 'oracle' } },
        { label: `noisy 30%${at}`, over: { predictor: 'noisy:0.3' } },
        { label: `noisy 30%, bias -0.3${at}`, over: { predictor: 'noisy:0.3,bias=-0.3' } },
        { label: `linear${at}`, over: { predictor: 'linear' } },
      ], base),
    );
  }
  // KV capacity binds only with wide batches: this row runs at max_num_seqs 256.
  cells.push(...row('KV capacity (B=256)', [
    { label: 'KV of the GPU (B=256)', over: { maxNumSeqs: 256 } },
    { label: 'KV 2000 blocks (B=256)', over: { maxNumSeqs: 256, kvBlocks: 2000 } },
    { label: 'KV 600 blocks (B=256)', over: { maxNumSeqs: 256, kvBlocks: 600 } },
  ]));
  return cells;
}

export const regimeSegments = (full: boolean, quick: boolean): number => (quick ? 2 : full ? 8 : 5);
export const regimeRequests = (full: boolean, quick: boolean): number => (quick ? 200 : full ? 1000 : 600);

/** A stable key of a cell's parameters: cells that share it are run once and shown in every row. */
export const paramsKey = (p: RegimeParams): string => JSON.stringify(p);

function workload(p: RegimeParams, sources: readonly WorkloadSource[], segment: number, segments: number, requests: number): SimulateInput['workload'] {
  const rotate = segment / segments;
  if (p.tail.startsWith('lognormal:')) {
    const sigma = Number(p.tail.slice('lognormal:'.length));
    // Median 200 output tokens: the conversation trace's order of magnitude; the preset keeps its prompts.
    // sigma stays at or below 1: at 1.5 a segment drew a 197,000-token output (50x Llama-2's context),
    // one request decoding for most of an hour of simulated time while the rest of the run idles.
    return { preset: 'azure-conversation', output: `lognormal:200,${sigma}`, load: p.load, numRequests: requests };
  }
  const src = sources.find((s) => s.name === p.tail);
  const trace = src?.trace;
  return trace
    ? { trace, traceType: p.tail, ...(rotate > 0 ? { rotate } : {}), load: p.load, numRequests: requests }
    : { preset: `azure-${p.tail}`, load: p.load, numRequests: requests };
}

export function regimeJobs(dataDir: string, full: boolean, quick: boolean, baseSeed: number): SweepJob[] {
  const sources = workloadSources(dataDir);
  const segments = regimeSegments(full, quick);
  const requests = regimeRequests(full, quick);
  const seen = new Set<string>();
  const jobs: SweepJob[] = [];
  for (const cell of regimeCells(full, quick)) {
    const key = paramsKey(cell.params);
    if (seen.has(key)) continue;
    seen.add(key);
    const p = cell.params;
    for (const pol of REGIME_POLICIES) {
      for (let segment = 0; segment < segments; segment++) {
        const predictor = pol.predictor === undefined ? undefined : pol.predictor === 'cell' ? p.predictor : pol.predictor;
        jobs.push({
          labels: { cell: key, policy: pol.name, segment },
          config: {
            seed: baseSeed * 1000 + segment + 1,
            instances: REGIME_INSTANCES,
            deployment: 'llama-2-7b/a100-80gb',
            router: pol.router,
            ...(pol.scheduler ? { scheduler: pol.scheduler } : {}),
            ...(predictor ? { predictor } : {}),
            engine: { maxNumSeqs: p.maxNumSeqs, ...(p.kvBlocks !== undefined ? { kvBlocks: p.kvBlocks } : {}) },
            slo: { e2eSlack: 5 },
            workload: workload(p, sources, segment, segments, requests),
          },
        });
      }
    }
  }
  return jobs;
}
