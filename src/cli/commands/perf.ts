import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { addPrefillChunk, emptyShape } from '../../model/perfModel.js';
import { kvCapacityBlocks } from '../../model/hardware.js';
import { loadSplitwiseRows, SplitwisePerfModel, buildSplitwiseTable } from '../../perf/profile/splitwise.js';
import { loadVidurPerfModel } from '../../perf/profile/vidur.js';
import { deploymentName, deployments, gpus, models, parseDeployment } from '../../perf/presets.js';
import { createPerfModel, DEFAULT_PERF_MODEL, perfModels } from '../../perf/registry.js';
import { RooflinePerfModel } from '../../perf/roofline.js';
import { formatValidation, validateAgainstSplitwise, type ModelFactory } from '../../perf/validate.js';
import { calibrateAll, DEFAULT_FOLDS } from '../../perf/fit/crossValidate.js';
import { splitwisePoints, type MeasuredPoint } from '../../perf/fit/points.js';
import { MEASURED_COLUMNS, parseMeasuredCsv } from '../../perf/fit/measuredCsv.js';
import { formatBreakdowns, formatCoefficients, formatSetupTable, pooledHeldOut } from '../../perf/fit/report.js';
import { calibrationFromFits, calibrationModule, serializeCalibration } from '../../perf/calibrationFile.js';
import { CalibratedPerfModel, describeHeldOut } from '../../perf/calibrated.js';
import { perfModelAccuracy } from '../../perf/accuracy.js';
import { BUILTIN_CALIBRATION } from '../../perf/builtinCalibration.js';
import { formatInstanceCheck, formatStaticBatchCheck, instanceCheck, staticBatchCheck } from './perfCheck.js';
import { int } from '../options.js';

/** `<repo>/../shared/data/profiles`, or $GAPS_DATA_DIR/profiles. */
function defaultProfilesDir(): string {
  if (process.env.GAPS_DATA_DIR) return join(process.env.GAPS_DATA_DIR, 'profiles');
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return resolve(d, '..', 'shared', 'data', 'profiles');
}

/** DIR may be the CSV itself, a folder holding perf_model.csv, or the profiles folder. */
function findSplitwiseCsv(dir: string): string {
  const candidates = [dir, join(dir, 'perf_model.csv'), join(dir, 'splitwise-sim', 'perf_model.csv')];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  throw new ConfigError(`--profiles: no SplitwiseSim perf_model.csv at ${candidates.join(' or ')}`);
}

function nonNegative(flag: string): (v: string) => number {
  const parse = int(flag);
  return (v) => {
    const x = parse(v);
    if (x < 0) throw new ConfigError(`${flag}: expected an integer >= 0, got ${x}`);
    return x;
  };
}

/** Seconds with microsecond resolution (iteration times run from ~1 ms to ~10 s). */
function seconds(x: number): string {
  return x.toFixed(6);
}

interface TimeFlags {
  deployment?: string;
  perfModel?: string;
  prefillTokens: number;
  prefillSeqs?: number;
  decodeSeqs: number;
  context: number;
  json?: boolean;
}

interface ValidateFlags {
  profiles?: string;
  vidur?: string;
  json?: boolean;
}

interface CheckFlags {
  profiles?: string;
  loads: string;
  numRequests: number;
  json?: boolean;
}

interface FitFlags {
  profiles?: string;
  points?: string;
  out?: string;
  ts?: string;
  folds: number;
}

function writeOut(flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new ConfigError(`${flag}: cannot write '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function registerPerfCommand(program: Command): void {
  const perf = program.command('perf').description('Performance models: list presets, time one iteration, validate against measurements.');

  perf
    .command('list')
    .description('List models, GPUs, named deployments and perf models.')
    .action(() => {
      const block = (title: string, lines: string[]): string => `${title}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
      process.stdout.write(
        [
          block('models', models.describe()),
          block('gpus', gpus.describe()),
          block('deployments (or MODEL/GPU[/tpN])', deployments.describe()),
          block('perf models (--perf-model)', perfModels.describe()),
          block(
            'built-in calibrations (auto uses them; other deployments run the uncalibrated roofline)',
            BUILTIN_CALIBRATION.setups.map((c) => `${c.model}/${c.gpu}/tp${c.tp}: ${describeHeldOut(c.heldOut)}`),
          ),
        ].join('\n'),
      );
    });

  perf
    .command('time')
    .description('Print the time of one iteration (forward pass) of a batch.')
    .option('--deployment <name>', `named deployment (${deployments.names().join(', ')}) or MODEL/GPU[/tpN]; required`)
    .option('--perf-model <spec>', `perf model: ${perfModels.names().join(', ')}`, DEFAULT_PERF_MODEL)
    .option('--prefill-tokens <n>', 'prompt tokens prefilled this iteration (no cached prefix)', nonNegative('--prefill-tokens'), 0)
    .option('--prefill-seqs <n>', 'sequences the prefill tokens are split over, evenly (default 1)', nonNegative('--prefill-seqs'))
    .option('--decode-seqs <n>', 'sequences decoding one token', nonNegative('--decode-seqs'), 0)
    .option('--context <n>', 'KV length of each decoding sequence', nonNegative('--context'), 0)
    .option('--json', 'print JSON')
    .action((f: TimeFlags) => {
      if (f.deployment === undefined) throw new ConfigError(`--deployment is required: a named deployment (${deployments.names().join(', ')}) or MODEL/GPU[/tpN]`);
      const d = parseDeployment(f.deployment);
      const model = createPerfModel(f.perfModel ?? DEFAULT_PERF_MODEL, d);
      const seqs = f.prefillTokens === 0 ? 0 : (f.prefillSeqs ?? 1);
      if (f.prefillTokens > 0 && (seqs < 1 || seqs > f.prefillTokens)) {
        throw new ConfigError(`--prefill-seqs: expected 1..${f.prefillTokens} (the prefill tokens), got ${seqs}`);
      }
      const shape = emptyShape();
      for (let i = 0; i < seqs; i++) addPrefillChunk(shape, 0, Math.floor(f.prefillTokens / seqs) + (i < f.prefillTokens % seqs ? 1 : 0));
      shape.decodeSeqs = f.decodeSeqs;
      shape.decodeContextTokens = f.decodeSeqs * f.context;
      const t = model.iterationTime(shape);
      const roof = model instanceof CalibratedPerfModel ? model.roofline : model;
      const breakdown = roof instanceof RooflinePerfModel ? roof.terms.breakdown(shape) : undefined;
      if (f.json) {
        process.stdout.write(`${JSON.stringify({ deployment: deploymentName(d), perfModel: f.perfModel, accuracy: perfModelAccuracy(model), shape, seconds: t, breakdown }, null, 2)}\n`);
        return;
      }
      let s = `${deploymentName(d)} (${f.perfModel}), KV capacity ${kvCapacityBlocks(d, 16)} blocks of 16 at 0.9 memory\n`;
      s += `  batch: ${shape.prefillTokens} prefill tokens in ${shape.prefillSeqs} seqs, ${shape.decodeSeqs} decode seqs x ${f.context} context\n`;
      s += `  iteration time: ${seconds(t)} s\n  perf model: ${perfModelAccuracy(model).note}\n`;
      if (breakdown) {
        for (const [k, v] of Object.entries(breakdown)) if (k !== 'total') s += `    ${k.padEnd(20)}${seconds(v).padStart(12)} s\n`;
        s += '    (each phase counts max(compute, memory); all-reduce and overhead add)\n';
        if (roof !== model) s += '    (the GPU part; the calibrated model takes max(floor, GPU) and adds its overhead and per-sequence terms)\n';
      }
      process.stdout.write(s);
    });

  perf
    .command('validate')
    .description('MAPE of the perf models against the SplitwiseSim measurements (Llama-2-70B, A100/H100, TP 2/4/8).')
    .option('--profiles <dir>', 'profiles folder, a folder with perf_model.csv, or the CSV (default ../shared/data/profiles or $GAPS_DATA_DIR/profiles)')
    .option('--vidur <dir>', 'Vidur profiles folder to validate too (default <profiles>/vidur when present)')
    .option('--json', 'print the report as JSON')
    .action((f: ValidateFlags) => {
      const dir = f.profiles ?? defaultProfilesDir();
      const csv = findSplitwiseCsv(dir);
      const rows = loadSplitwiseRows(csv);
      const factories: Record<string, ModelFactory> = {
        roofline: (d) => new RooflinePerfModel(d),
        splitwise: (d) => new SplitwisePerfModel(buildSplitwiseTable(rows, d, csv)),
      };
      const vidurDir = f.vidur ?? join(dir, 'vidur');
      if (f.vidur !== undefined && !existsSync(join(vidurDir, 'compute'))) throw new ConfigError(`--vidur: no compute/ folder in '${vidurDir}'`);
      if (existsSync(join(vidurDir, 'compute'))) factories.vidur = (d) => loadVidurPerfModel(vidurDir, d);
      const report = validateAgainstSplitwise(rows, factories);
      const fits = calibrateAll(splitwisePoints(rows), DEFAULT_FOLDS);
      if (f.json) {
        const setups = fits.map(({ model, gpu, tp, before, heldOut, inSample, byBatch, coefficients }) => ({ model, gpu, tp, before, heldOut, inSample, byBatch, coefficients }));
        process.stdout.write(`${JSON.stringify({ source: csv, heldOut: pooledHeldOut(fits), setups, ...report }, (_k, v: unknown) => (v === Infinity ? null : v), 2)}\n`);
        return;
      }
      let text = `source: ${csv}\n\nPer setup, before (uncalibrated roofline) and after calibration (held out, ${DEFAULT_FOLDS}-fold by measured configuration):\n\n`;
      text += `${formatSetupTable(fits)}\nmixed: SplitwiseSim measured no mixed (chunked-prefill) iterations.\n\n`;
      text += `${formatBreakdowns(fits)}\n${formatValidation(report)}`;
      process.stdout.write(text);
    });

  perf
    .command('check-instance')
    .description('Instance-level check: TTFT and TPOT simulated with the calibrated and the plain roofline against the measured iteration times (splitwise:FILE), same arrivals.')
    .option('--profiles <dir>', 'profiles folder, a folder with perf_model.csv, or the CSV (default ../shared/data/profiles or $GAPS_DATA_DIR/profiles)')
    .option('--loads <list>', "loads as fractions of the calibrated model's nominal capacity", '0.3,0.6,0.9')
    .option('--num-requests <n>', 'requests per run (azure-conversation, one instance, seed 1)', int('--num-requests'), 1000)
    .option('--json', 'print JSON')
    .action((f: CheckFlags) => {
      const csv = findSplitwiseCsv(f.profiles ?? defaultProfilesDir());
      const loads = f.loads.split(',').map((x) => Number(x));
      if (loads.some((x) => !(x > 0 && x < 10))) throw new ConfigError(`--loads: expected fractions > 0 separated by commas, got '${f.loads}'`);
      if (f.numRequests < 1) throw new ConfigError(`--num-requests: expected an integer >= 1, got ${f.numRequests}`);
      const deployments = BUILTIN_CALIBRATION.setups.map((s) => `${s.model}/${s.gpu}/tp${s.tp}`);
      const rows = instanceCheck({ deployments, loads, numRequests: f.numRequests, reference: `splitwise:${csv}`, models: ['calibrated', 'roofline'] });
      const dir = mkdtempSync(join(tmpdir(), 'gaps-static-'));
      let staticBatches;
      try {
        let n = 0;
        const writeTrace = (lines: string[]): string => {
          const file = join(dir, `batch${n++}.csv`);
          writeFileSync(file, `${lines.join('\n')}\n`);
          return file;
        };
        staticBatches = staticBatchCheck(loadSplitwiseRows(csv), ['calibrated', 'roofline', `splitwise:${csv}`], writeTrace);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (f.json) process.stdout.write(`${JSON.stringify({ reference: `splitwise:${csv}`, rows, staticBatches }, null, 2)}\n`);
      else {
        let text = `reference: splitwise:${csv} (measured iteration times, interpolated)\n\n${formatInstanceCheck(rows)}\n`;
        text += `SplitwiseSim's static batches replayed (simultaneous arrivals, one instance) against their measured e2e_time, prompt_time and token_time:\n\n`;
        process.stdout.write(`${text}${formatStaticBatchCheck(staticBatches)}`);
      }
    });

  perf
    .command('fit')
    .description('Fit the roofline per measured (model, GPU, TP) to the SplitwiseSim measurements; write a calibration for --perf-model calibrated:FILE.')
    .option('--profiles <dir>', 'profiles folder, a folder with perf_model.csv, or the CSV (default ../shared/data/profiles or $GAPS_DATA_DIR/profiles)')
    .option('--points <file>', `your own measured iterations instead: CSV with columns ${MEASURED_COLUMNS.join(',')} (docs/PERF_MODEL.md)`)
    .option('--out <file>', 'calibration JSON to write (required)')
    .option('--ts <file>', 'also write the TypeScript module of built-in calibrations (src/perf/builtinCalibration.ts)')
    .option('--folds <k>', `cross-validation folds (default ${DEFAULT_FOLDS})`, int('--folds'), DEFAULT_FOLDS)
    .action((f: FitFlags) => {
      if (f.out === undefined) throw new ConfigError('--out is required: the calibration JSON to write');
      if (f.folds < 2) throw new ConfigError(`--folds: expected an integer >= 2, got ${f.folds}`);
      if (f.points !== undefined && f.profiles !== undefined) throw new ConfigError('--points and --profiles are exclusive; give one');
      let csv: string;
      let points: MeasuredPoint[];
      if (f.points !== undefined) {
        csv = f.points;
        let text: string;
        try {
          text = readFileSync(csv, 'utf8');
        } catch (e) {
          throw new ConfigError(`--points: cannot read '${csv}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        points = parseMeasuredCsv(text, csv);
      } else {
        csv = findSplitwiseCsv(f.profiles ?? defaultProfilesDir());
        points = splitwisePoints(loadSplitwiseRows(csv));
      }
      const fits = calibrateAll(points, f.folds);
      if (fits.length === 0) throw new ConfigError(`'${csv}' has no usable measurements for a preset model and GPU`);
      const cal = calibrationFromFits(fits, csv, f.folds);
      writeOut('--out', f.out, serializeCalibration(cal));
      if (f.ts !== undefined) writeOut('--ts', f.ts, calibrationModule(cal, `gaps perf fit ${f.points !== undefined ? `--points ${f.points}` : `--profiles ${f.profiles ?? '../shared/data/profiles'}`} --out ${f.out} --ts ${f.ts}`));
      process.stdout.write(`${formatSetupTable(fits)}\n${formatBreakdowns(fits)}\n${formatCoefficients(fits)}\nwrote ${f.out}${f.ts ? ` and ${f.ts}` : ''}\n`);
    });
}
