import { createRequire } from 'node:module';

/**
 * Token counts for texts (ShareGPT-style files carry text, not counts). The tokenizer is OpenAI's
 * cl100k_base BPE from `gpt-tokenizer`, whose vocabulary ships inside its npm package (no download,
 * works offline). It is loaded on first use only (about 0.3 s). Its counts differ from Llama's
 * tokenizers; docs/WORKLOADS.md gives the measured difference.
 */
export const TOKENIZER_NAME = 'cl100k_base (gpt-tokenizer)';

let count: ((text: string) => number) | undefined;

export function countTokens(text: string): number {
  if (count === undefined) {
    const require = createRequire(import.meta.url);
    const mod = require('gpt-tokenizer/encoding/cl100k_base') as { countTokens: (t: string) => number };
    count = mod.countTokens;
  }
  return count(text);
}
