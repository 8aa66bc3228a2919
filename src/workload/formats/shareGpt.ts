import { TraceReader, typeFromFileName, type TraceReadOptions } from '../traceReader.js';
import { JsonArraySource } from './jsonScan.js';
import { parseObject, show } from './jsonTable.js';
import { countTokens } from './tokenizer.js';

/**
 * ShareGPT-style conversations: a JSON array of `{"conversations": [{"from": "human", "value":
 * TEXT}, {"from": "gpt", "value": TEXT}, ...]}` (`role`/`content` keys are accepted too). As in
 * vLLM's benchmark, a request is the first exchange: prompt = the first turn's text, output = the
 * second's, both counted by the bundled tokenizer (tokenizer.ts). An entry with one turn has no
 * output (0, raised to 1 and counted). The file has no times: every request arrives at 0 (vLLM's
 * default `--request-rate inf`); give `--arrival poisson --rate R` to spread them. Streams.
 */
export class ShareGptReader extends TraceReader {
  protected readonly timeField = '(none)';

  constructor(path: string, options: TraceReadOptions = {}) {
    super(path, options.type ?? typeFromFileName(path, 'sharegpt'), options, new JsonArraySource(path));
  }

  protected begin(): void {}

  protected parseRow(text: string): void {
    const o = parseObject(text, (f, p) => this.fail(f, p));
    const key = Array.isArray(o['conversations']) ? 'conversations' : 'conversation';
    const turns = o[key];
    if (!Array.isArray(turns) || turns.length === 0) this.fail('conversations', `expected a non-empty array of turns, got ${show(turns)}`);
    this.row.arrival = 0;
    this.row.promptTokens = countTokens(this.turnText(turns[0], `${key}[0]`));
    this.row.outputTokens = turns.length > 1 ? countTokens(this.turnText(turns[1], `${key}[1]`)) : 0;
    this.row.prefixHashes = undefined;
  }

  private turnText(turn: unknown, field: string): string {
    if (typeof turn !== 'object' || turn === null) this.fail(field, `expected {"from", "value"}, got ${show(turn)}`);
    const t = turn as Record<string, unknown>;
    const v = t['value'] ?? t['content'];
    if (typeof v !== 'string') this.fail(`${field}.value`, `expected text, got ${show(v)}`);
    return v;
  }
}
