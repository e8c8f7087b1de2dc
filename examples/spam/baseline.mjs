// Bag-of-words logistic regression on the demo split: the figure the README puts beside hftrain's.
//
//   cd examples/spam && npm install && node baseline.mjs
//
// Features: lower-cased word presence (\p{L}+ and \p{N}+ runs) for words seen in >= 2 training
// emails; model: logistic regression trained by per-example SGD (20 epochs, lr 0.1, L2 1e-4),
// fixed seed. Reads the same Parquet files the demo trains on.
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'

const read = async (p) => parquetReadObjects({ file: await asyncBufferFromFile(p) })
const train = await read('data/train.parquet')
const val = await read('data/validation.parquet')
const words = (t) => new Set(t.toLowerCase().match(/[\p{L}\p{N}]+/gu) || [])

const df = new Map()
for (const r of train) for (const w of words(r.text)) df.set(w, (df.get(w) || 0) + 1)
const vocab = new Map()
for (const [w, c] of df) if (c >= 2) vocab.set(w, vocab.size)
const feats = (r) => [...words(r.text)].map((w) => vocab.get(w)).filter((i) => i !== undefined)
const X = train.map(feats), y = train.map((r) => (r.label === 'spam' ? 1 : 0))

let seed = 42
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
const w = new Float64Array(vocab.size)
let b = 0
const order = X.map((_, i) => i)
for (let epoch = 0; epoch < 20; epoch++) {
  for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]] }
  for (const i of order) {
    let z = b
    for (const f of X[i]) z += w[f]
    const g = 1 / (1 + Math.exp(-z)) - y[i]
    for (const f of X[i]) w[f] -= 0.1 * (g + 1e-4 * w[f])
    b -= 0.1 * g
  }
}
let ok = 0, tp = 0, fp = 0, fn = 0, tn = 0
for (const r of val) {
  let z = b
  for (const f of feats(r)) z += w[f]
  const p = z > 0 ? 1 : 0, t = r.label === 'spam' ? 1 : 0
  if (p === t) ok++
  if (p && t) tp++; else if (p && !t) fp++; else if (!p && t) fn++; else tn++
}
const f1spam = (2 * tp) / (2 * tp + fp + fn), f1ham = (2 * tn) / (2 * tn + fn + fp)
console.log(`bag-of-words logistic regression: ${vocab.size} words, validation accuracy ${(ok / val.length).toFixed(4)}, macro-F1 ${((f1spam + f1ham) / 2).toFixed(4)} (${val.length} emails)`)
