// Reads a TensorBoard event file with code that shares nothing with hftrain's
// Go writer, and prints its events as JSON (the shape of
// trainer/tensorboard/testdata/golden.reader.json):
//
//   TFRecord framing and both masked CRC-32Cs: @roboflow/tfrecords helpers
//   (readInt64, crc32c, maskCrc), an npm TFRecord implementation.
//   Event protobuf: protobufjs, parsing the event.proto / summary.proto
//   subset below (field numbers as in tensorflow/core/util/event.proto and
//   tensorflow/core/framework/summary.proto).
//
// Usage (Go's tests never run this):
//   npm install --prefix scripts/tensorboard
//   node scripts/tensorboard/read_events.mjs trainer/tensorboard/testdata/golden.tfevents \
//     > trainer/tensorboard/testdata/golden.reader.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const helpers = require("@roboflow/tfrecords/src/tensorFlowHelpers.js");
const protobuf = require("protobufjs");

const schema = `
syntax = "proto3";
package tensorflow;
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    bytes graph_def = 4;
    Summary summary = 5;
  }
}
message Summary {
  message Value {
    string node_name = 7;
    string tag = 1;
    oneof value {
      float simple_value = 2;
      bytes obsolete_old_style_histogram = 3;
    }
  }
  repeated Value value = 1;
}
`;
const Event = protobuf.parse(schema, { keepCase: true }).root.lookupType("tensorflow.Event");

const path = process.argv[2];
if (!path) {
  console.error("usage: node read_events.mjs EVENTS_FILE");
  process.exit(2);
}
const buf = readFileSync(path);
const events = [];
for (let pos = 0; pos < buf.length; ) {
  const lenBytes = buf.subarray(pos, pos + 8);
  const n = helpers.readInt64(lenBytes);
  if (helpers.maskCrc(helpers.crc32c(lenBytes)) !== buf.readUInt32LE(pos + 8)) {
    throw new Error(`${path}: offset ${pos}: bad length CRC`);
  }
  pos += 12;
  const data = buf.subarray(pos, pos + n);
  pos += n;
  if (data.length !== n || pos + 4 > buf.length) {
    throw new Error(`${path}: offset ${pos}: truncated record`);
  }
  if (helpers.maskCrc(helpers.crc32c(data)) !== buf.readUInt32LE(pos)) {
    throw new Error(`${path}: offset ${pos}: bad data CRC`);
  }
  pos += 4;
  const e = Event.toObject(Event.decode(data), { longs: String, oneofs: true });
  const out = { wall_time: e.wall_time ?? 0, step: Number(e.step ?? 0) };
  if (e.what === "file_version") {
    out.file_version = e.file_version;
    out.simple_value = 0;
  } else if (e.what === "summary") {
    if (e.summary.value.length !== 1 || e.summary.value[0].value !== "simple_value") {
      throw new Error(`${path}: event ${events.length}: not a single scalar`);
    }
    out.tag = e.summary.value[0].tag;
    const v = e.summary.value[0].simple_value;
    out.simple_value = Number.isFinite(v) ? v : null; // JSON has no Inf/NaN
  } else {
    throw new Error(`${path}: event ${events.length}: Event.what is ${e.what}`);
  }
  events.push(out);
}
console.log(JSON.stringify(events, null, 1));
