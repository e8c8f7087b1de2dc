#!/usr/bin/env node
// bench_oracle.js measures the official library (npm tokenizers@0.23.2) on the same texts as
// BenchmarkEncodeBERT/GPT2 (the single-sequence records of the goldens), for comparison.
// Usage: cd scripts/tokenizer && node bench_oracle.js
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const {Tokenizer} = require('tokenizers');

const dataDir = path.join(__dirname, '..', '..', 'data', 'tokenizer', 'testdata');

async function bench(name) {
  const tmp = path.join(os.tmpdir(), 'hftrain-bench-' + name + '.json');
  fs.writeFileSync(tmp, zlib.gunzipSync(fs.readFileSync(path.join(dataDir, name + '.json.gz'))));
  const tok = Tokenizer.fromFile(tmp);
  const lines = zlib.gunzipSync(fs.readFileSync(path.join(dataDir, 'golden_' + name + '.jsonl.gz'))).toString().trim().split('\n').slice(1);
  const texts = lines.map((l) => JSON.parse(l)).filter((r) => r.text !== undefined && r.pair === null && !r.trunc && !r.pad && r.special).map((r) => r.text);
  for (const mode of ['sequential', 'batch']) {
    let tokens = 0;
    const start = process.hrtime.bigint();
    for (let rep = 0; rep < 20; rep++) {
      if (mode === 'sequential') {
        for (const t of texts) tokens += (await tok.encode(t, null, {addSpecialTokens: true})).getIds().length;
      } else {
        for (const e of await tok.encodeBatch(texts, {addSpecialTokens: true})) tokens += e.getIds().length;
      }
    }
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    console.log(`${name} ${mode}: ${Math.round(tokens / secs)} tokens/s (${texts.length} texts x 20)`);
  }
}

(async () => { for (const n of ['bert-base-uncased', 'gpt2']) await bench(n); })();
