import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSimulateConfig } from '../run/config.js';
import { runSimulation } from '../run/simulate.js';
import { ReqState, RequestTable } from '../model/requestTable.js';
import { openRequestsCsv, RUN_FILES, writeRunFiles } from './output.js';
import { prepareOutDir } from './outDir.js';
import { RequestsCsvWriter } from './requestsCsv.js';

test('streamed requests.csv is byte-identical to the one written from the whole table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-csv-'));
  try {
    const config = parseSimulateConfig({ seed: 5, instances: 3, router: 'least-outstanding', workload: { numRequests: 3000, load: 0.9 } });
    for (const d of ['a', 'b']) prepareOutDir(join(dir, d), RUN_FILES, false);
    const sink = openRequestsCsv(join(dir, 'a'));
    const streamed = runSimulation(config, { requestSink: sink });
    const prov = { tool: 'gaps', version: '0', commit: null, command: 'test', configHash: null, seed: 5, date: '1970-01-01T00:00:00.000Z' } as const;
    writeRunFiles(join(dir, 'a'), streamed, prov, true);
    writeRunFiles(join(dir, 'b'), runSimulation(config), prov);
    const a = readFileSync(join(dir, 'a', 'requests.csv'), 'utf8');
    assert.equal(a, readFileSync(join(dir, 'b', 'requests.csv'), 'utf8'));
    assert.equal(a.split('\n').length, 3000 + 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rows are written in id order as soon as every earlier request is final', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-csv-'));
  try {
    const t = new RequestTable(16);
    for (let i = 0; i < 3; i++) t.add({ arrival: i, promptTokens: 10, outputTokens: 1, type: 'x' });
    const w = new RequestsCsvWriter(join(dir, 'r.csv'));
    const internals = w as unknown as { next: number };
    for (const id of [2, 0, 1]) {
      t.state[id] = ReqState.Done;
      w.final(t, id, id === 2);
      assert.equal(internals.next, id === 2 ? 0 : id === 0 ? 1 : 3);
    }
    w.end(t, new Uint8Array([0, 0, 1]));
    const rows = readFileSync(join(dir, 'r.csv'), 'utf8').trim().split('\n').slice(1);
    assert.deepEqual(rows.map((r) => r.split(',')[0]), ['0', '1', '2']);
    assert.deepEqual(rows.map((r) => r.split(',').at(-1)), ['0', '0', '1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
