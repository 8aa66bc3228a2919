import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import type { GoodputSlos } from '../../live/loadgen/report.js';
import { signalAdapters } from '../../live/signals.js';
import { routers } from '../../policies/routers/registry.js';
import type { RunningServer } from '../../live/emulator/server.js';

// The live side (fastify, undici, prom-client, gRPC) is loaded only when a live command runs, so
// `gaps simulate` and the other commands do not pay for it at start-up.
import { int, num } from '../options.js';

const list = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter((s) => s !== '')];

function port(flag: string): (v: string) => number {
  return (v) => {
    const p = int(flag)(v);
    if (p < 0 || p > 65535) throw new ConfigError(`${flag}: expected a port in 0..65535, got '${v}'`);
    return p;
  };
}

function positive(flag: string): (v: string) => number {
  return (v) => {
    const x = num(flag)(v);
    if (!(x > 0)) throw new ConfigError(`${flag}: expected a number > 0, got '${v}'`);
    return x;
  };
}

/** Runs until SIGINT/SIGTERM, then closes the server gracefully (streams in flight are drained). */
async function serveUntilSignal(s: RunningServer, what: string): Promise<void> {
  process.stderr.write(`gaps ${what} listening on ${s.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.stderr.write(`gaps ${what}: shutting down (draining streams in flight)\n`);
      void s.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

interface EmulateFlags {
  port: number;
  host: string;
  deployment: string;
  perfModel?: string;
  scheduler?: string;
  maxNumSeqs?: number;
  maxBatchedTokens?: number;
  kvBlocks?: number;
  timeScale: number;
  modelName?: string;
  defaultOutput?: string;
  adminKey: string[];
  seed: number;
}

function registerEmulate(program: Command): void {
  program
    .command('emulate')
    .description('Run an OpenAI-compatible model-server emulator timed by the instance model, with vLLM metric names and fault injection.')
    .requiredOption('--port <n>', 'port to listen on (0 = any free port)', port('--port'))
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--deployment <name>', 'model/GPU[/tpN] preset timing the emulator', 'llama-2-7b/a100-80gb')
    .option('--perf-model <name>', 'performance model (see gaps perf list)')
    .option('--scheduler <name>', 'instance scheduler (fcfs, spjf, ...)')
    .option('--max-num-seqs <n>', 'most sequences in a batch (vLLM max_num_seqs)', int('--max-num-seqs'))
    .option('--max-batched-tokens <n>', 'most tokens per iteration', int('--max-batched-tokens'))
    .option('--kv-blocks <n>', 'KV blocks (default: derived from GPU memory)', int('--kv-blocks'))
    .option('--time-scale <f>', 'run the modelled GPU F times faster than real time', positive('--time-scale'), 1)
    .option('--model-name <name>', 'model name served (default: the deployment)')
    .option('--default-output <spec>', 'output length when a request has no max_tokens (length spec)', 'lognormal:200,1')
    .option('--admin-key <key>', 'key required by /admin/faults (repeatable; none = open)', list, [])
    .option('--seed <n>', 'seed of the emulator\'s random draws', int('--seed'), 1)
    .action(async (f: EmulateFlags) => {
      const { Emulator } = await import('../../live/emulator/server.js');
      const engine = {
        ...(f.maxNumSeqs !== undefined ? { maxNumSeqs: f.maxNumSeqs } : {}),
        ...(f.maxBatchedTokens !== undefined ? { maxBatchedTokens: f.maxBatchedTokens } : {}),
        ...(f.kvBlocks !== undefined ? { kvBlocks: f.kvBlocks } : {}),
      };
      const e = new Emulator({
        deployment: f.deployment,
        engine,
        timeScale: f.timeScale,
        seed: f.seed,
        adminKeys: f.adminKey,
        ...(f.perfModel ? { perfModel: f.perfModel } : {}),
        ...(f.scheduler ? { scheduler: f.scheduler } : {}),
        ...(f.modelName ? { modelName: f.modelName } : {}),
        ...(f.defaultOutput ? { defaultOutput: f.defaultOutput } : {}),
      });
      await serveUntilSignal(await e.listen(f.port, f.host), `emulate (${e.modelName})`);
    });
}

interface ServeFlags {
  port: number;
  host: string;
  backends: string[];
  endpointsFile?: string;
  endpointsPoll: number;
  maxEndpoints?: number;
  extProcMode: string;
  extProcUsage: boolean;
  policy: string;
  predictor?: string;
  deployment?: string;
  perfModel?: string;
  engine: string;
  pollInterval: number;
  staleAfter: number;
  scrapeTimeout: number;
  cooldown: number;
  upstreamTimeout: number;
  retries: number;
  maxInFlight: number;
  bodyLimit: number;
  apiKey: string[];
  adminKey: string[];
  extProc?: number;
  rebalance: boolean;
  migrationOverhead: number;
  moveTimeout: number;
  maxNumSeqs: number;
  sloTtft?: number;
  sloTpot?: number;
  sloSlack?: number;
  sloWindow?: number;
}

function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the OpenAI-compatible router: a registered policy in front of real (or emulated) model servers.')
    .requiredOption('--port <n>', 'port to listen on (0 = any free port)', port('--port'))
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--backends <urls>', 'backend base URLs, comma-separated (repeatable)', list, [])
    .option('--endpoints-file <file>', 'endpoints (host:port or URL, one a line), re-read when the file changes; added to --backends')
    .option('--endpoints-poll <s>', 'seconds between checks of --endpoints-file', positive('--endpoints-poll'), 1)
    .option('--max-endpoints <n>', 'backend slots the policy is built for (default: 64 with --endpoints-file)', int('--max-endpoints'))
    .option('--policy <name>', `routing policy: ${routers.names().join(', ')}`, 'least-outstanding')
    .option('--predictor <name>', 'output-length predictor (default: linear for policies that use predictions)')
    .option('--deployment <name>', 'deployment the policy assumes when it estimates service times', 'llama-2-7b/a100-80gb')
    .option('--perf-model <name>', 'performance model for those estimates')
    .option('--engine <name>', `backend metrics adapter: ${signalAdapters.names().join(', ')}`, 'auto')
    .option('--poll-interval <s>', 'seconds between /metrics scrapes of each backend', positive('--poll-interval'), 0.05)
    .option('--stale-after <s>', 'scraped gauges older than this are unknown', positive('--stale-after'), 1)
    .option('--scrape-timeout <s>', 'a scrape slower than this fails', positive('--scrape-timeout'), 0.5)
    .option('--cooldown <s>', 'a backend that failed is not routed to for this long', positive('--cooldown'), 5)
    .option('--upstream-timeout <s>', 'seconds to wait for a backend\'s headers or its next chunk', positive('--upstream-timeout'), 60)
    .option('--retries <n>', 'other backends tried when one fails before the first token', int('--retries'), 2)
    .option('--max-in-flight <n>', 'requests in flight at once; more get 429', int('--max-in-flight'), 4096)
    .option('--body-limit <bytes>', 'largest request body; larger gets 413', int('--body-limit'), 4 * 1024 * 1024)
    .option('--api-key <key>', 'client keys accepted (repeatable; none = open)', list, [])
    .option('--admin-key <key>', 'keys for /admin/* (repeatable; without one the admin endpoints are off)', list, [])
    .option('--max-num-seqs <n>', 'batch cap the policy assumes for each backend (engines do not export it)', int('--max-num-seqs'), 256)
    .option('--slo-ttft <s>', 'TTFT target each finished request is judged against, seconds', positive('--slo-ttft'))
    .option('--slo-tpot <s>', 'TPOT target, seconds', positive('--slo-tpot'))
    .option('--slo-slack <x>', 'end-to-end deadline as a multiple of the unloaded latency (0 = not judged)', num('--slo-slack'), 5)
    .option('--slo-window <s>', 'window of the recent SLO-violation rate the policy sees (default: the poll interval, as the simulator\'s report interval)', positive('--slo-window'))
    .option('--ext-proc <port>', 'also serve Envoy ext_proc (gRPC) on this port: the Gateway API Inference Extension endpoint picker', port('--ext-proc'))
    .option('--ext-proc-mode <mode>', "Envoy's body send mode towards the picker: full-duplex (FULL_DUPLEX_STREAMED) or buffered (BUFFERED/STREAMED)", 'full-duplex')
    .option('--no-ext-proc-usage', 'do not inject stream_options.include_usage in ext_proc mode (use when Envoy does not send response bodies to the picker)')
    .option('--rebalance', 'run the policy\'s controllers (GAPS rebalancer, Llumnix migrator) live: move streamed requests by re-sending prompt + text so far', false)
    .option('--migration-overhead <s>', 'seconds a move costs beyond the target\'s prefill, for the controllers\' cost check', positive('--migration-overhead'), 0.005)
    .option('--move-timeout <s>', 'a move whose target sends nothing within this many seconds is abandoned', positive('--move-timeout'), 5)
    .action(async (f: ServeFlags) => {
      const { Gateway } = await import('../../live/gateway/gateway.js');
      const { EndpointsFile, EndpointSlots } = await import('../../live/extproc/endpointsFile.js');
      if (f.extProcMode !== 'full-duplex' && f.extProcMode !== 'buffered') throw new ConfigError(`--ext-proc-mode: expected full-duplex or buffered, got '${f.extProcMode}'`);
      const fromFile = f.endpointsFile !== undefined ? EndpointsFile.readInitial(f.endpointsFile) : [];
      const backends = [...new Set([...f.backends, ...fromFile])];
      if (backends.length === 0 && f.endpointsFile === undefined) throw new ConfigError('gaps serve: give --backends URL[,URL...] or --endpoints-file FILE');
      const maxEndpoints = f.maxEndpoints ?? (f.endpointsFile !== undefined ? Math.max(64, backends.length) : backends.length);
      if (maxEndpoints < backends.length) throw new ConfigError(`--max-endpoints ${maxEndpoints}: fewer than the ${backends.length} endpoints given`);
      const g = new Gateway({
        backends,
        maxEndpoints,
        policy: f.policy,
        engine: f.engine,
        pollIntervalS: f.pollInterval,
        staleAfterS: f.staleAfter,
        scrapeTimeoutS: f.scrapeTimeout,
        cooldownS: f.cooldown,
        upstreamTimeoutS: f.upstreamTimeout,
        retries: f.retries,
        maxInFlight: f.maxInFlight,
        bodyLimit: f.bodyLimit,
        apiKeys: f.apiKey,
        adminKeys: f.adminKey,
        maxNumSeqs: f.maxNumSeqs,
        slo: {
          e2eSlack: f.sloSlack,
          ...(f.sloTtft !== undefined ? { ttftS: f.sloTtft } : {}),
          ...(f.sloTpot !== undefined ? { tpotS: f.sloTpot } : {}),
          ...(f.sloWindow !== undefined ? { windowS: f.sloWindow } : {}),
        },
        rebalance: f.rebalance,
        migrationOverheadS: f.migrationOverhead,
        moveTimeoutS: f.moveTimeout,
        ...(f.predictor ? { predictor: f.predictor } : {}),
        ...(f.deployment ? { deployment: f.deployment } : {}),
        ...(f.perfModel ? { perfModel: f.perfModel } : {}),
      });
      if (g.idleControllers > 0) {
        process.stderr.write(`gaps serve: policy '${g.router.name}' has ${g.idleControllers} rebalancing controller(s); they do not run without --rebalance\n`);
      }
      if (f.rebalance && (g.policy.controllers?.length ?? 0) === 0) {
        process.stderr.write(`gaps serve: --rebalance: policy '${g.router.name}' has no controllers, nothing will move\n`);
      }
      const http = await g.listen(f.port, f.host);
      if (f.endpointsFile !== undefined) {
        const file = new EndpointsFile(new EndpointSlots(g.backends, (slot) => g.slo.reset(slot)), {
          path: f.endpointsFile,
          pollS: f.endpointsPoll,
          log: (line) => process.stderr.write(`gaps serve: ${line}\n`),
        });
        file.start();
      }
      let server = http;
      if (f.extProc !== undefined) {
        const { EndpointPicker } = await import('../../live/extproc/endpointPicker.js');
        const picker = new EndpointPicker(g, { mode: f.extProcMode, injectUsage: f.extProcUsage });
        const grpcPort = await picker.listen(f.extProc, f.host);
        process.stderr.write(`gaps serve: ext_proc endpoint picker (gRPC, with grpc.health.v1) on ${f.host}:${grpcPort}\n`);
        if (f.rebalance) process.stderr.write('gaps serve: --rebalance moves only streams relayed over HTTP; requests Envoy sends after an ext_proc pick are not moved\n');
        server = { ...http, close: async () => (await picker.close(), await http.close()) };
      }
      await serveUntilSignal(server, `serve (${g.router.name}, ${g.backends.length} backends)`);
    });
}

interface LoadgenFlags {
  url: string;
  trace?: string;
  workload?: string;
  arrival?: string;
  rate?: number;
  duration?: number;
  numRequests?: number;
  maxConcurrency?: number;
  endpoint: string;
  model?: string;
  seed: number;
  timeout: number;
  goodput?: string;
  percentiles: string;
  apiKey?: string;
  promptDist?: string;
  outputDist?: string;
  json?: boolean;
  out?: string;
}

function parseGoodput(spec: string): GoodputSlos {
  const out: Record<string, number> = {};
  for (const part of spec.split(',')) {
    const [k, v] = part.split(':');
    const x = Number(v);
    if (k === undefined || !['ttft', 'tpot', 'e2el'].includes(k) || v === undefined || !(x > 0)) {
      throw new ConfigError(`--goodput: expected KEY:MS[,KEY:MS] with KEY ttft, tpot or e2el and MS > 0, got '${part}'`);
    }
    out[k] = x;
  }
  return out;
}

function registerLoadgen(program: Command): void {
  program
    .command('loadgen')
    .description('Replay a trace or synthetic workload against an OpenAI-compatible server; report as `vllm bench serve` does.')
    .requiredOption('--url <url>', 'server base URL (router or model server)')
    .option('--trace <file>', 'trace to replay (.csv Azure, .jsonl Mooncake)')
    .option('--workload <name>', 'synthetic preset (azure-conversation, azure-code, azure-mixed)')
    .option('--arrival <spec>', 'poisson | gamma:CV (default: the preset\'s own; trace timestamps for traces)')
    .option('--rate <r>', 'mean arrival rate, req/s', positive('--rate'))
    .option('--duration <s>', 'stop sending after this many seconds', positive('--duration'))
    .option('--num-requests <n>', 'stop after this many requests', int('--num-requests'))
    .option('--max-concurrency <c>', 'requests in flight at once (others wait)', int('--max-concurrency'))
    .option('--prompt-dist <spec>', 'override prompt lengths (fixed:N, lognormal:MEDIAN,SIGMA, ...)')
    .option('--output-dist <spec>', 'override output lengths')
    .option('--endpoint <name>', 'completions | chat', 'completions')
    .option('--model <name>', 'model name to send (default: the server\'s first)')
    .option('--seed <n>', 'workload seed', int('--seed'), 1)
    .option('--timeout <s>', 'a request unanswered after this long fails', positive('--timeout'), 600)
    .option('--goodput <slos>', 'SLOs for goodput, ms: ttft:MS,tpot:MS,e2el:MS')
    .option('--percentiles <list>', 'percentiles reported', '99')
    .option('--api-key <key>', 'Bearer key sent to the server')
    .option('--json', 'print the JSON report instead of the text block')
    .option('--out <file>', 'also write the JSON report here')
    .action(async (f: LoadgenFlags) => {
      if ((f.trace === undefined) === (f.workload === undefined)) throw new ConfigError('give exactly one of --trace FILE or --workload NAME');
      if (f.duration === undefined && f.numRequests === undefined) throw new ConfigError('give --duration S or --num-requests N (or both)');
      if (f.endpoint !== 'completions' && f.endpoint !== 'chat') throw new ConfigError(`--endpoint: expected completions or chat, got '${f.endpoint}'`);
      const percentiles = f.percentiles.split(',').map((p) => {
        const x = Number(p);
        if (!(x > 0 && x < 100)) throw new ConfigError(`--percentiles: expected numbers in (0, 100), got '${p}'`);
        return x;
      });
      const { runLoad } = await import('../../live/loadgen/loadgen.js');
      const { formatBenchReport } = await import('../../live/loadgen/report.js');
      const { report } = await runLoad({
        url: f.url.replace(/\/+$/, ''),
        workload: {
          ...(f.trace ? { trace: f.trace } : { preset: f.workload }),
          ...(f.arrival ? { arrival: f.arrival } : {}),
          ...(f.rate !== undefined ? { rate: f.rate } : {}),
          ...(f.duration !== undefined ? { durationS: f.duration } : {}),
          ...(f.numRequests !== undefined ? { numRequests: f.numRequests } : {}),
          ...(f.promptDist ? { prompt: f.promptDist } : {}),
          ...(f.outputDist ? { output: f.outputDist } : {}),
        },
        seed: f.seed,
        endpoint: f.endpoint,
        timeoutS: f.timeout,
        percentiles,
        ...(f.model ? { model: f.model } : {}),
        ...(f.maxConcurrency !== undefined ? { maxConcurrency: f.maxConcurrency } : {}),
        ...(f.goodput ? { slos: parseGoodput(f.goodput) } : {}),
        ...(f.apiKey ? { apiKey: f.apiKey } : {}),
      });
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (f.out) writeFileSync(f.out, json);
      process.stdout.write(f.json ? json : formatBenchReport(report));
    });
}

/** The live commands: `emulate`, `serve`, `loadgen`. */
export function registerLiveCommands(program: Command): void {
  registerEmulate(program);
  registerServe(program);
  registerLoadgen(program);
}
