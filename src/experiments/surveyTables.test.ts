import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { surveyTablesExperiment } from './surveyTables.js';

test('a quick survey-tables run writes the tables, CSV, plots and config, and logs the comparison', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'gaps-survey-'));
  try {
    const lines: string[] = [];
    await surveyTablesExperiment.run({ outDir, dataDir: '', seed: 1, workers: 1, log: (l) => lines.push(l), quick: true });
    const files = (await readdir(outDir)).sort();
    assert.deepEqual(files, [
      'config.json',
      'report.html',
      'survey-tables.csv',
      'survey-tables.txt',
      'table1.png',
      'table1.svg',
      'table2.png',
      'table2.svg',
      'table3.png',
      'table3.svg',
    ]);
    const csv = (await readFile(join(outDir, 'survey-tables.csv'), 'utf8')).trim().split('\n');
    // 8 x 7 + 7 x 7 + 7 x 7 cells and a header.
    assert.equal(csv.length, 1 + 56 + 49 + 49);
    const text = await readFile(join(outDir, 'survey-tables.txt'), 'utf8');
    for (const s of ['Table 1', 'Table 2', 'Table 3', 'Paired check', 'table3 FIFO at lambda 0.9: printed 29']) assert.ok(text.includes(s), s);
    assert.match(text, /table1 SRPT: all 8 printed values reproduced/);
    assert.match(text, /table1 SPRPT: 8 of 8 printed values differ/);
    assert.ok(lines.some((l) => l.startsWith('Table 1')));
    const config = JSON.parse(await readFile(join(outDir, 'config.json'), 'utf8'));
    assert.equal(config.quick, true);
    const html = await readFile(join(outDir, 'report.html'), 'utf8');
    assert.equal((html.match(/<svg/g) ?? []).length >= 3, true, 'the three tables are plotted in the report');
    assert.ok(lines.some((l) => l === `report: ${join(outDir, 'report.html')}`), 'the report path is printed');
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
