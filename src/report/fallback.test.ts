import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureReport } from './fallback.js';

test('a reproduction without its own report gets one: printed lines, files, inline SVGs; an existing report is kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-fallback-'));
  try {
    writeFileSync(join(dir, 'results.csv'), 'a,b\n');
    writeFileSync(join(dir, 'fig.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><text>hello-figure</text></svg>');
    const path = ensureReport(dir, 'My experiment', ['policy  p99', 'fcfs  1.5 < 2'], 'gaps 0.1.0: gaps reproduce x');
    assert.equal(path, join(dir, 'report.html'));
    const html = readFileSync(path!, 'utf8');
    for (const s of ['<title>My experiment</title>', 'fcfs  1.5 &lt; 2', 'results.csv', 'hello-figure', 'gaps reproduce x']) assert.ok(html.includes(s), s);
    assert.equal(ensureReport(dir, 'again', [], ''), undefined);
    assert.ok(readFileSync(path!, 'utf8').includes('My experiment'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
