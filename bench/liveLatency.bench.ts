/**
 * The router's added latency: streamed requests at a fixed Poisson rate (default 500/s) against null
 * backends (they answer at once with a fixed number of SSE chunks), once directly and once through
 * `gaps serve` running in its own process. Added latency = via the router − direct, for TTFT and
 * end-to-end, P50 and P99. Prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { Rng } from '../src/kernel/rng.js';
import { eventData, SseSplitter } from '../src/live/gateway/sse.js';
import { quantileSorted } from '../src/stats/quantile.js';

const rate = Number(process.env.GAPS_BENCH_RATE ?? 500);
const seconds = Number(process.env.GAPS_BENCH_SECONDS ?? 6);
const chunks = Number(process.env.GAPS_BENCH_CHUNKS ?? 16);
const policy = process.env.GAPS_BENCH_POLICY ?? 'least-outstanding';
const NB = 4;

function nullBackend(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.end('vllm:num_requests_waiting 0\nvllm:num_requests_running 0\nvllm:kv_cache_usage_perc 0\n');
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < chunks; i++) res.write(`data: {"choices":[{"index":0,"text":" t","finish_reason":null}]}\n\n`);
      res.write('data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":16,"total_tokens":20}}\n\n');
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

let failures = 0;
let lastError = '';

async function one(url: string): Promise<[number, number]> {
  try {
    return await attempt(url);
  } catch (e) {
    failures++;
    lastError = (e as Error).message;
    return [Number.NaN, Number.NaN];
  }
}

async function attempt(url: string): Promise<[number, number]> {
  const t0 = performance.now();
  const res = await request(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"a b c d","max_tokens":16,"stream":true}' });
  const sp = new SseSplitter();
  let ttft = Number.NaN;
  for await (const b of res.body) {
    for (const ev of sp.push(b as Uint8Array)) if (Number.isNaN(ttft) && eventData(ev)?.includes('"text"')) ttft = performance.now() - t0;
  }
  return [ttft, performance.now() - t0];
}

async function drive(url: string): Promise<{ ttft: number[]; e2e: number[] }> {
  const rng = new Rng('live-latency-bench');
  const out: Promise<[number, number]>[] = [];
  const start = performance.now();
  let t = 0;
  while (t < seconds) {
    t += rng.exponential(rate);
    const wait = start + t * 1000 - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    out.push(one(url));
  }
  const rs = await Promise.all(out);
  const ok = rs.filter((r) => Number.isFinite(r[1]));
  return { ttft: ok.map((r) => r[0]).sort((a, b) => a - b), e2e: ok.map((r) => r[1]).sort((a, b) => a - b) };
}

const backends = await Promise.all(Array.from({ length: NB }, () => nullBackend()));
const port = 18000 + Math.floor(Math.random() * 1000);
// GAPS_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the router process.
const nodeArgs = (process.env.GAPS_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const gw = spawn(process.execPath, [...nodeArgs, 'dist/src/cli/main.js', 'serve', '--port', String(port), '--policy', policy, '--backends', backends.map((b) => b.url).join(',')], { stdio: ['ignore', 'ignore', 'pipe'] });
if (process.env.GAPS_BENCH_ECHO) gw.stderr.on('data', (d: Buffer) => process.stderr.write(d));
await new Promise<void>((resolve) => gw.stderr.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
const gwUrl = `http://127.0.0.1:${port}`;
await drive(backends[0]!.url); // warm both paths
/** CPU seconds (user + system) the process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}
const direct = await drive(backends[0]!.url);
const cpu0 = cpuSeconds(gw.pid!);
const routed = await drive(gwUrl);
const gatewayCpuMsPerRequest = Number((((cpuSeconds(gw.pid!) - cpu0) * 1000) / routed.e2e.length).toFixed(3));
gw.kill('SIGTERM');
for (const b of backends) b.server.close();
const q = (xs: number[], p: number) => Number(quantileSorted(xs, p).toFixed(2));
process.stdout.write(
  `${JSON.stringify({
    rate,
    seconds,
    chunks,
    policy,
    requests: routed.e2e.length,
    failures,
    lastError,
    gatewayCpuMsPerRequest,
    directMs: { ttftP50: q(direct.ttft, 0.5), ttftP99: q(direct.ttft, 0.99), e2eP50: q(direct.e2e, 0.5), e2eP99: q(direct.e2e, 0.99) },
    routedMs: { ttftP50: q(routed.ttft, 0.5), ttftP99: q(routed.ttft, 0.99), e2eP50: q(routed.e2e, 0.5), e2eP99: q(routed.e2e, 0.99) },
    addedMs: {
      ttftP50: Number((q(routed.ttft, 0.5) - q(direct.ttft, 0.5)).toFixed(2)),
      ttftP99: Number((q(routed.ttft, 0.99) - q(direct.ttft, 0.99)).toFixed(2)),
      e2eP50: Number((q(routed.e2e, 0.5) - q(direct.e2e, 0.5)).toFixed(2)),
      e2eP99: Number((q(routed.e2e, 0.99) - q(direct.e2e, 0.99)).toFixed(2)),
    },
  })}\n`,
);
process.exit(0);
