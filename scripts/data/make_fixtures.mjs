// make_fixtures.mjs writes the Parquet and Arrow IPC fixtures in data/testdata
// with writers that share no code with arrow-go, so the Go tests check the
// reader against independent implementations:
//
//   - hyparquet-writer (pure JavaScript Parquet writer)
//   - parquet-wasm (parquet-rs / arrow-rs compiled to WebAssembly)
//   - apache-arrow (the JavaScript Arrow implementation; IPC file and stream)
//
// It also writes expected.json: the values every fixture must decode to.
//
// Usage (from the repository root):
//
//	cd scripts/data && npm ci && node make_fixtures.mjs
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parquetWriteBuffer } from 'hyparquet-writer'
import {
  Bool, Dictionary, Field, FixedSizeList, LargeList, Float16, Float32, Float64, Int32, Int64, Int8, LargeUtf8, List,
  Table as ArrowTable, Utf8, tableFromIPC, tableToIPC, vectorFromArray, makeTable,
} from 'apache-arrow'
import * as pw from 'parquet-wasm/node'

const here = path.dirname(fileURLToPath(import.meta.url))
const outDir = path.join(here, '..', '..', 'data', 'testdata')
fs.mkdirSync(outDir, { recursive: true })

// The logical rows shared by all fixtures. Ten rows, so that a row group size
// of 3 gives four row groups (the last one short).
const N = 10
const rows = {
  id: Array.from({ length: N }, (_, i) => i),
  text: ['hello world', 'héllo, wörld', 'line one\nline two', null, 'a "quoted" word', '',
    'tab\tseparated', null, 'emoji 🙂 ok', 'last'],
  label: Array.from({ length: N }, (_, i) => i % 3),
  label_name: Array.from({ length: N }, (_, i) => ['neg', 'pos', 'neutral'][i % 3]),
  score: Array.from({ length: N }, (_, i) => (i === 5 ? null : i * 0.25 - 1)),
  f32: Array.from({ length: N }, (_, i) => i * 1.5),
  flag: Array.from({ length: N }, (_, i) => i % 2 === 0),
  tags: [['a', 'b'], [], null, ['c'], ['d', null, 'f'], ['g'], [], ['h'], null, ['i', 'j']],
  input_ids: Array.from({ length: N }, (_, i) => (i === 6 ? null : Array.from({ length: 1 + (i % 4) }, (_, k) => 100 * i + k))),
  probs: Array.from({ length: N }, (_, i) => [i / 10, 1 - i / 10]),
}

// --- hyparquet-writer -------------------------------------------------------

// hyparquetFile writes the rows with hyparquet-writer (data page v2). With
// encodings set, it uses DELTA_BINARY_PACKED, RLE_DICTIONARY,
// BYTE_STREAM_SPLIT and DELTA_LENGTH_BYTE_ARRAY; otherwise its defaults.
function hyparquetFile(name, codec, encodings = {}) {
  const columnData = [
    { name: 'id', data: Int32Array.from(rows.id) },
    { name: 'text', data: rows.text },
    { name: 'label', data: rows.label.map(BigInt) },
    { name: 'label_name', data: rows.label_name },
    { name: 'score', data: rows.score },
    { name: 'f32', data: Float32Array.from(rows.f32) },
    { name: 'flag', data: rows.flag },
    { name: 'tags', data: rows.tags },
    { name: 'input_ids', data: rows.input_ids },
    { name: 'probs', data: rows.probs },
  ].map((c) => (encodings[c.name] ? { ...c, encoding: encodings[c.name] } : c))
  const list = (n, leaf) => [
    { name: n, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL', ...leaf },
  ]
  const schema = [
    { name: 'root', num_children: columnData.length },
    { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'label', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'label_name', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    { name: 'f32', type: 'FLOAT', repetition_type: 'REQUIRED' },
    { name: 'flag', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
    ...list('tags', { type: 'BYTE_ARRAY', converted_type: 'UTF8' }),
    ...list('input_ids', { type: 'INT32' }),
    ...list('probs', { type: 'DOUBLE' }),
  ]
  const kvMetadata = [{ key: 'huggingface', value: hfFeatures }]
  const buf = parquetWriteBuffer({ columnData, schema, codec, rowGroupSize: 3, createdBy: 'hyparquet-writer 0.17.0', kvMetadata })
  fs.writeFileSync(path.join(outDir, name), new Uint8Array(buf))
  return buf
}

// --- apache-arrow (JS) --------------------------------------------------------

const listOf = (t) => new List(new Field('item', t, true))

// arrowTable builds the rows as an Arrow JS table with several record batches
// (rows 0-3, 4-6, 7-9, sliced from one batch so they share a schema) and
// dictionary-encoded, large_string, int8, float16, fixed_size_list and
// large_list columns, so the IPC fixtures exercise those types.
function arrowTable() {
  const batch = (lo, hi) => makeTable({
    id: vectorFromArray(rows.id.slice(lo, hi), new Int32()),
    text: vectorFromArray(rows.text.slice(lo, hi), new Utf8()),
    label: vectorFromArray(rows.label.slice(lo, hi).map(BigInt), new Int64()),
    label_name: vectorFromArray(rows.label_name.slice(lo, hi), new Dictionary(new Utf8(), new Int32())),
    large_text: vectorFromArray(rows.text.slice(lo, hi), new LargeUtf8()),
    small: vectorFromArray(rows.label.slice(lo, hi), new Int8()),
    score: vectorFromArray(rows.score.slice(lo, hi), new Float64()),
    f32: vectorFromArray(rows.f32.slice(lo, hi), new Float32()),
    half: vectorFromArray(rows.f32.slice(lo, hi), new Float16()),
    flag: vectorFromArray(rows.flag.slice(lo, hi), new Bool()),
    tags: vectorFromArray(rows.tags.slice(lo, hi), listOf(new Utf8())),
    input_ids: vectorFromArray(rows.input_ids.slice(lo, hi), listOf(new Int32())),
    probs: vectorFromArray(rows.probs.slice(lo, hi), listOf(new Float32())),
    fixed: vectorFromArray(rows.probs.slice(lo, hi), new FixedSizeList(2, new Field('item', new Float64(), true))),
    big_ids: vectorFromArray(rows.input_ids.slice(lo, hi).map((r) => r && r.map(BigInt)), new LargeList(new Field('item', new Int64(), true))),
  })
  const whole = batch(0, N).batches[0]
  return new ArrowTable([whole.slice(0, 4), whole.slice(4, 7), whole.slice(7, 10)])
}

// --- parquet-wasm (parquet-rs) ------------------------------------------------

// rsFile writes the Arrow JS table through parquet-rs. The dictionary file
// dictionary-encodes every column it can; the BYTE_STREAM_SPLIT file turns
// dictionaries off and stores the float columns with BYTE_STREAM_SPLIT.
function rsFile(name, table, configure) {
  // parquet-rs has no float16 writer path that every reader handles; drop it.
  const t = table.select(table.schema.fields.map((f) => f.name).filter((n) => n !== 'half'))
  const wasmTable = pw.Table.fromIPCStream(tableToIPC(t, 'stream'))
  // parquet-wasm drops Arrow schema metadata, so the "huggingface" key goes
  // into the Parquet key-value metadata directly (where pyarrow also puts it).
  let b = new pw.WriterPropertiesBuilder().setMaxRowGroupSize(3).setCreatedBy('parquet-rs via parquet-wasm 0.8.0')
    .setKeyValueMetadata(new Map([['huggingface', hfFeatures]]))
  b = configure(b)
  const bytes = pw.writeParquet(wasmTable, b.build())
  fs.writeFileSync(path.join(outDir, name), bytes)
  return bytes
}

// Hugging Face datasets records ClassLabel names in the "huggingface" schema
// metadata of the Arrow and Parquet files it writes.
const hfFeatures = JSON.stringify({
  info: {
    features: {
      id: { dtype: 'int32', _type: 'Value' },
      label: { names: ['neg', 'pos', 'neutral'], _type: 'ClassLabel' },
      tags: { feature: { names: ['a', 'b', 'c'], _type: 'ClassLabel' }, _type: 'Sequence' },
    },
  },
})

const expectedJSON = JSON.stringify({ num_rows: N, columns: rows }, null, 1)
fs.writeFileSync(path.join(outDir, 'expected.json'), expectedJSON + '\n')

const written = []
written.push(['hyparquet_snappy.parquet', hyparquetFile('hyparquet_snappy.parquet', 'SNAPPY', {
  id: 'DELTA_BINARY_PACKED', label_name: 'RLE_DICTIONARY', score: 'BYTE_STREAM_SPLIT', text: 'DELTA_LENGTH_BYTE_ARRAY',
})])
written.push(['hyparquet_plain.parquet', hyparquetFile('hyparquet_plain.parquet', 'UNCOMPRESSED')])

const at = arrowTable()
at.schema.metadata.set('huggingface', hfFeatures)
fs.writeFileSync(path.join(outDir, 'arrowjs_file.arrow'), tableToIPC(at, 'file'))
fs.writeFileSync(path.join(outDir, 'arrowjs_stream.arrow'), tableToIPC(at, 'stream'))

written.push(['rs_dict_zstd.parquet', rsFile('rs_dict_zstd.parquet', at,
  (b) => b.setDictionaryEnabled(true).setCompression(pw.Compression.ZSTD))])
written.push(['rs_bss_gzip.parquet', rsFile('rs_bss_gzip.parquet', at,
  (b) => b.setDictionaryEnabled(false).setCompression(pw.Compression.GZIP)
    .setColumnEncoding('score', pw.Encoding.BYTE_STREAM_SPLIT)
    .setColumnEncoding('f32', pw.Encoding.BYTE_STREAM_SPLIT))])
written.push(['rs_snappy.parquet', rsFile('rs_snappy.parquet', at,
  (b) => b.setCompression(pw.Compression.SNAPPY))])

// Sanity check with parquet-rs as the reader, so a writer bug shows up here,
// not as a confusing Go test failure.
for (const [name, buf] of written) {
  const got = tableFromIPC(pw.readParquet(new Uint8Array(buf)).intoIPCStream())
  if (got.numRows !== N) throw new Error(`${name}: parquet-rs read ${got.numRows} rows, want ${N}`)
  const text = got.getChild('text').toArray()
  const names = got.getChild('label_name').toArray()
  for (let i = 0; i < N; i++) {
    if (text[i] !== rows.text[i]) throw new Error(`${name}: row ${i} text ${text[i]}`)
    if (names[i] !== rows.label_name[i]) throw new Error(`${name}: row ${i} label_name ${names[i]}`)
  }
}
console.log('wrote', fs.readdirSync(outDir).join(' '))
