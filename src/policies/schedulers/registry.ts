import { Registry } from '../../core/registry.js';
import { ConfigError } from '../../core/errors.js';
import type { BatchPolicy } from '../../model/batchPolicy.js';
import { numberArg, parseSchedulerArgs, styleArg } from './args.js';
import { fastServeScheduler } from './fastserve.js';
import { inferceptScheduler } from './infercept.js';
import { lampsScheduler } from './lamps.js';
import { ltrScheduler } from './ltr.js';
import { orcaScheduler } from './orca.js';
import { radScheduler } from './rad.js';
import { slaiScheduler } from './slai.js';
import { trailScheduler } from './trail.js';
import { rankScheduler } from './rankScheduler.js';
import { agedRankScheduler } from './aged.js';
import { sarathiScheduler } from './sarathi.js';
import { vllmScheduler } from './vllm.js';

/** Builds a scheduler from the text after `NAME:` (undefined when there is none). */
export type SchedulerFactory = (arg: string | undefined) => BatchPolicy;

function noArgs(name: string, make: () => BatchPolicy): SchedulerFactory {
  return (arg) => (parseSchedulerArgs(name, arg, [], false), make());
}

/** A rank policy with an optional batch style and, for 1-bit, its threshold. */
function ranked(name: string, rank: string, preemptive: boolean, threshold: boolean): SchedulerFactory {
  return (arg) => {
    const a = parseSchedulerArgs(name, arg, ['batch'], threshold);
    const param = threshold ? numberArg(name, 'the threshold T (tokens)', a.positional, undefined, 0) : undefined;
    return rankScheduler(name, rank, preemptive, param, styleArg(name, a.options.get('batch')));
  };
}

/** A rank policy with a starvation bound in seconds (`NAME:S`, default 10). */
function aged(name: string, rank: string, preemptive: boolean): SchedulerFactory {
  return (arg) => {
    const a = parseSchedulerArgs(name, arg, ['batch'], true);
    return agedRankScheduler(name, rank, preemptive, numberArg(name, 'the starvation bound S (seconds)', a.positional, 10, 0), styleArg(name, a.options.get('batch')));
  };
}

/** Instance-level scheduling policies by CLI name. A new policy adds its file and one line here. */
export const schedulers = new Registry<SchedulerFactory>('scheduler')
  .register('vllm', (arg) => {
    const a = parseSchedulerArgs('vllm', arg, ['batch'], false);
    const style = styleArg('vllm', a.options.get('batch'));
    return vllmScheduler(style, style === 'mixed' ? 'vllm' : 'vllm-v0');
  }, 'vLLM V1: FCFS, decodes then chunked prefills, newest preempted first (batch=prefill-first: V0)')
  .register('vllm-v0', noArgs('vllm-v0', () => vllmScheduler('prefill-first')), 'vLLM V0: FCFS, prefill-first batches')
  .register('fcfs', (arg) => {
    const a = parseSchedulerArgs('fcfs', arg, ['batch'], false);
    return vllmScheduler(styleArg('fcfs', a.options.get('batch')), 'fcfs');
  }, 'first come, first served; the same as vllm (batch=prefill-first: vllm-v0)')
  .register('orca', noArgs('orca', orcaScheduler), 'Orca: iteration-level FCFS, whole prompts beside the decodes')
  .register('sarathi', (arg) => {
    const a = parseSchedulerArgs('sarathi', arg, [], true);
    return sarathiScheduler(numberArg('sarathi', 'the token budget', a.positional, 512, 1));
  }, 'sarathi[:BUDGET], Sarathi-Serve: decode-first stall-free chunked prefill under a token budget (default 512)')
  .register('spjf', ranked('spjf', 'spjf', false, false), 'shortest predicted output first, non-preemptive')
  .register('pspjf', ranked('pspjf', 'spjf', true, false), 'shortest predicted output first, preemptive')
  .register('sprpt', ranked('sprpt', 'sprpt', true, false), 'shortest predicted remaining output first, preemptive')
  .register('spjf-aged', aged('spjf-aged', 'spjf', false), 'spjf-aged[:S], SPJF with a starvation bound: past S seconds in the system (default 10) a request goes first, FCFS')
  .register('sprpt-aged', aged('sprpt-aged', 'sprpt', true), 'sprpt-aged[:S], SPRPT with a starvation bound: past S seconds (default 10) first and never displaced')
  .register('sprpt-bounce', ranked('sprpt-bounce', 'sprpt-bounce', true, false), 'SPRPT with bounce: |prediction - generated|, preemptive')
  .register('1bit', ranked('1bit', '1bit', false, true), '1bit:T, predicted short (<= T tokens) before long, non-preemptive')
  .register('1bit-preempt', ranked('1bit-preempt', '1bit', true, true), '1bit-preempt:T, the same, preemptive')
  .register('slai', (arg) => {
    const a = parseSchedulerArgs('slai', arg, ['tbt', 'margin'], true);
    return slaiScheduler({
      budget: numberArg('slai', 'the token budget', a.positional, 512, 1),
      tbtS: numberArg('slai', 'tbt (seconds)', a.options.get('tbt'), Number.POSITIVE_INFINITY, 0),
      margin: numberArg('slai', 'margin', a.options.get('margin'), 0.1, 0, 0.9),
    });
  }, 'slai[:BUDGET][,tbt=S,margin=F], SLAI: decodes near their TBT deadline first, slack decodes skip, shortest prompt first')
  .register('rad', (arg) => {
    const a = parseSchedulerArgs('rad', arg, ['budget'], true);
    const tile = numberArg('rad', 'the tile (tokens)', a.positional, 128, 1);
    const budget = numberArg('rad', 'budget', a.options.get('budget'), Number.POSITIVE_INFINITY, tile);
    return radScheduler({ tile, budget });
  }, 'rad[:TILE][,budget=B], RAD: tile-aligned prefill chunks, budget split by prefill/decode backlogs')
  .register('trail', (arg) => {
    const a = parseSchedulerArgs('trail', arg, [], true);
    return trailScheduler(numberArg('trail', 'the preemption limit C', a.positional, 1, 0));
  }, 'trail[:C], Trail: SPRPT on refined predictions, no preemption once age >= C x prediction (default C = 1)')
  .register('ltr', (arg) => {
    const a = parseSchedulerArgs('ltr', arg, [], true);
    return ltrScheduler(numberArg('ltr', 'the starvation bound (seconds)', a.positional, 5, 0));
  }, 'ltr[:STARVE_S], learning to rank: predicted-score order, requests waiting > STARVE_S first (default 5)')
  .register('fastserve', (arg) => {
    const a = parseSchedulerArgs('fastserve', arg, ['levels', 'promote', 'repromote', 'offload'], false);
    const offload = a.options.get('offload') ?? 'lazy';
    if (offload !== 'lazy' && offload !== 'eager') throw new ConfigError(`scheduler 'fastserve': offload must be lazy or eager, got '${offload}'`);
    const rp = a.options.get('repromote') ?? '0';
    if (rp !== '0' && rp !== '1') throw new ConfigError(`scheduler 'fastserve': repromote must be 0 or 1, got '${rp}'`);
    const repromote = rp === '1';
    return fastServeScheduler({
      levels: numberArg('fastserve', 'levels', a.options.get('levels'), 8, 1, 64),
      promoteS: numberArg('fastserve', 'promote (seconds)', a.options.get('promote'), 5, 0),
      repromote,
      offload,
    });
  }, 'fastserve[:levels=N,promote=S,repromote=0|1,offload=lazy|eager], FastServe: skip-join MLFQ, preemptive, KV offloaded to host when memory runs short')
  .register('infercept', noArgs('infercept', inferceptScheduler), 'INFERCEPT: FIFO, per API call the KV strategy that wastes least memory')
  .register('lamps', (arg) => {
    const a = parseSchedulerArgs('lamps', arg, [], true);
    return lampsScheduler(numberArg('lamps', 'the starvation bound (seconds)', a.positional, 10, 0));
  }, 'lamps[:STARVE_S], LAMPS: predicted memory-time footprint first, API strategy from predictions');

/**
 * `engine.chunkedPrefill: false` (`--no-chunked-prefill`) is shorthand for the scheduler's
 * prefill-first batch style: the option is appended to its spec.
 */
export function withPrefillFirst(spec: string): string {
  return spec.includes(':') ? `${spec},batch=prefill-first` : `${spec}:batch=prefill-first`;
}
