// Package tensorboard writes TensorBoard event files (tfevents) holding
// scalar summaries, so that `tensorboard --logdir output_dir/runs` can plot
// a run's loss, learning rate, gradient norm and evaluation metrics.
//
// A file is a sequence of TFRecord records, each framed as
//
//	uint64 length (little endian)
//	uint32 masked CRC-32C of the 8 length bytes
//	length bytes of data: one serialized tensorflow.Event
//	uint32 masked CRC-32C of the data
//
// where mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8. The first record is
// an Event whose file_version is "brain.Event:2"; each later record is an
// Event{wall_time, step, summary{value{tag, simple_value}}}. The protobuf
// messages are encoded by hand with protowire rather than generated code, so
// the package needs no TensorFlow protos. Field numbers come from
// tensorflow/core/util/event.proto (Event: wall_time=1 double, step=2 int64,
// file_version=3 string, summary=5) and tensorflow/core/framework/summary.proto
// (Summary: value=1 repeated; Summary.Value: tag=1 string, simple_value=2 float,
// a member of the oneof "value" and therefore written even when zero).
//
// Files are named events.out.tfevents.<unix seconds, 10 digits>.<hostname>.<pid>.<n>
// as TensorBoard's own writers name them; n starts at 0 and grows only when
// a file of that name already exists, so two writers started in the same
// second in one directory never share a file.
//
// Tests check the framing with a reader written from the published format
// (lengths, both CRCs against the CRC-32C check value of "123456789", and a
// flipped byte that must be rejected) and decode every record against
// descriptors of event.proto and summary.proto built with protodesc and
// dynamicpb. The committed events file testdata/golden.tfevents was also read
// by an independent JavaScript reader (scripts/tensorboard/read_events.mjs,
// npm packages listed there); its output is testdata/golden.reader.json,
// which the Go test compares with its own decoding. Running that script is
// never needed by `go test`.
//
// A Writer is safe for concurrent use. Values are stored as float32, the type
// of simple_value.
package tensorboard
