// make_truncation_golden.mjs asks the Hugging Face tokenizers library (Rust,
// npm `tokenizers`, the code behind Python's fast tokenizers) how it truncates
// sequence pairs "longest_first", and writes the answers to
// data/testdata/truncation_golden.json. The Go test feeds the same inputs,
// untruncated, through package data's truncation and must get the same ids.
//
// The tokenizers here are tiny: a WordPiece vocabulary of single letters,
// whitespace pre-tokenization, and BERT ([CLS] a [SEP] b [SEP], type ids 0/1)
// or RoBERTa (<s> a </s></s> b </s>) post-processing, the same as the fake
// encoder in data/classification_test.go. They are saved as
// data/testdata/tiny_{bert,roberta}.tokenizer.json so the Go tests can also
// run package tokenizer on the same inputs.
//
// Usage: cd scripts/data && npm ci && node make_truncation_golden.mjs
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tokenizer } from 'tokenizers'

const here = path.dirname(fileURLToPath(import.meta.url))
const out = path.join(here, '..', '..', 'data', 'testdata', 'truncation_golden.json')

const letters = 'abcdefghijklmnopqrstuvwxyz'.split('')
function tokenizerJSON(roberta) {
  const vocab = { '[UNK]': 100 }
  letters.forEach((w, i) => { vocab[w] = 1000 + i })
  const [cls, sep] = roberta ? ['<s>', '</s>'] : ['[CLS]', '[SEP]']
  const [clsID, sepID] = roberta ? [0, 2] : [101, 102]
  vocab[cls] = clsID
  vocab[sep] = sepID
  const special = (content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })
  const post = roberta
    ? { type: 'RobertaProcessing', sep: [sep, sepID], cls: [cls, clsID], trim_offsets: true, add_prefix_space: false }
    : { type: 'BertProcessing', sep: [sep, sepID], cls: [cls, clsID] }
  return JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(cls, clsID), special(sep, sepID), special('[UNK]', 100)],
    normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: post, decoder: null,
    model: { type: 'WordPiece', vocab, unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100 },
  })
}

const cases = []
for (const roberta of [false, true]) {
  const json = tokenizerJSON(roberta)
  fs.writeFileSync(path.join(path.dirname(out), `tiny_${roberta ? 'roberta' : 'bert'}.tokenizer.json`), json + '\n')
  const tok = Tokenizer.fromString(json)
  for (let maxLen = 5; maxLen <= 12; maxLen++) {
    tok.setTruncation(maxLen) // strategy defaults to LongestFirst
    for (let a = 0; a <= 7; a++) {
      for (let b = 0; b <= 7; b++) {
        const first = letters.slice(0, a).join(' ')
        const second = letters.slice(13, 13 + b).join(' ')
        const enc = await tok.encode(first, second, { addSpecialTokens: true })
        cases.push({ roberta, max_len: maxLen, first, second, ids: enc.getIds(), type_ids: enc.getTypeIds() })
      }
    }
    const single = letters.slice(0, 9).join(' ')
    const enc = await tok.encode(single, null, { addSpecialTokens: true })
    cases.push({ roberta, max_len: maxLen, first: single, second: null, ids: enc.getIds(), type_ids: enc.getTypeIds() })
  }
}
fs.writeFileSync(out, '[\n' + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n')
console.log(`wrote ${cases.length} cases to ${out}`)
