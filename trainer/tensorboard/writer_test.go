package tensorboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.tfevents")

var fixedTime = time.Unix(1700000000, 250_000_000)

// eventDescriptor builds tensorflow.Event, Summary and Summary.Value from the
// field numbers and types of event.proto and summary.proto, including their
// oneofs, independently of the writer's constants.
func eventDescriptor(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	field := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type, typeName string, oneof *int32) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{
			Name:       proto.String(name),
			JsonName:   proto.String(name),
			Number:     proto.Int32(num),
			Label:      descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			Type:       typ.Enum(),
			OneofIndex: oneof,
		}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	const (
		tDouble = descriptorpb.FieldDescriptorProto_TYPE_DOUBLE
		tFloat  = descriptorpb.FieldDescriptorProto_TYPE_FLOAT
		tInt64  = descriptorpb.FieldDescriptorProto_TYPE_INT64
		tString = descriptorpb.FieldDescriptorProto_TYPE_STRING
		tBytes  = descriptorpb.FieldDescriptorProto_TYPE_BYTES
		tMsg    = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
	)
	zero := proto.Int32(0)
	values := field("value", 1, tMsg, ".tensorflow.Summary.Value", nil)
	values.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	file := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("tensorflow/core/util/event.proto"),
		Package: proto.String("tensorflow"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{
				Name: proto.String("Event"),
				Field: []*descriptorpb.FieldDescriptorProto{
					field("wall_time", 1, tDouble, "", nil),
					field("step", 2, tInt64, "", nil),
					field("file_version", 3, tString, "", zero),
					field("graph_def", 4, tBytes, "", zero),
					field("summary", 5, tMsg, ".tensorflow.Summary", zero),
				},
				OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("what")}},
			},
			{
				Name:  proto.String("Summary"),
				Field: []*descriptorpb.FieldDescriptorProto{values},
				NestedType: []*descriptorpb.DescriptorProto{{
					Name: proto.String("Value"),
					Field: []*descriptorpb.FieldDescriptorProto{
						field("tag", 1, tString, "", nil),
						field("node_name", 7, tString, "", nil),
						field("simple_value", 2, tFloat, "", zero),
						field("obsolete_old_style_histogram", 3, tBytes, "", zero),
					},
					OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("value")}},
				}},
			},
		},
	}
	fd, err := protodesc.NewFile(file, nil)
	if err != nil {
		t.Fatalf("building event.proto descriptor: %v", err)
	}
	return fd.Messages().ByName("Event")
}

// decoded is one Event as the tests and the JavaScript reader see it.
type decoded struct {
	WallTime    float64 `json:"wall_time"`
	Step        int64   `json:"step"`
	FileVersion string  `json:"file_version,omitempty"`
	Tag         string  `json:"tag,omitempty"`
	Value       float64 `json:"simple_value"`
}

// decodeEvents unmarshals every record with the dynamic Event descriptor and
// checks that each is either the file_version or a one-value scalar summary.
func decodeEvents(t *testing.T, recs [][]byte) []decoded {
	t.Helper()
	md := eventDescriptor(t)
	what := md.Oneofs().ByName("what")
	out := make([]decoded, 0, len(recs))
	for i, rec := range recs {
		m := dynamicpb.NewMessage(md)
		if err := (proto.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(rec, m); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if len(m.GetUnknown()) != 0 {
			t.Errorf("record %d: unknown fields %x", i, m.GetUnknown())
		}
		fields := md.Fields()
		d := decoded{
			WallTime: m.Get(fields.ByName("wall_time")).Float(),
			Step:     m.Get(fields.ByName("step")).Int(),
		}
		switch f := m.WhichOneof(what); {
		case f == nil:
			t.Fatalf("record %d: Event.what unset", i)
		case f.Name() == "file_version":
			d.FileVersion = m.Get(f).String()
		case f.Name() == "summary":
			vals := m.Get(f).Message().Get(f.Message().Fields().ByName("value")).List()
			if vals.Len() != 1 {
				t.Fatalf("record %d: %d summary values, want 1", i, vals.Len())
			}
			v := vals.Get(0).Message()
			vd := v.Descriptor()
			if which := v.WhichOneof(vd.Oneofs().ByName("value")); which == nil || which.Name() != "simple_value" {
				t.Fatalf("record %d: Summary.Value.value is %v, want simple_value", i, which)
			}
			d.Tag = v.Get(vd.Fields().ByName("tag")).String()
			d.Value = v.Get(vd.Fields().ByName("simple_value")).Float()
		default:
			t.Fatalf("record %d: Event.what is %s", i, f.Name())
		}
		out = append(out, d)
	}
	return out
}

// goldenScalars is what the golden file holds, chosen to cover a zero
// value, a zero step, negatives, large steps, rounding to float32 and
// non-finite values.
var goldenScalars = []struct {
	tag   string
	step  int64
	value float64
}{
	{"train/loss", 0, 0.6931471805599453},
	{"train/learning_rate", 0, 0},
	{"train/grad_norm", 1, 12.5},
	{"train/loss", 10, 0.1},
	{"eval/accuracy", 1 << 40, 0.9820},
	{"eval/loss", -3, -1e-7},
	{"train/grad_norm", 11, math.Inf(1)},
}

func TestScalarsDecode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "nested")
	w, err := newWriter(dir, fixedTime, "host", 42)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range goldenScalars {
		if err := w.AddScalar(s.tag, s.step, s.value, fixedTime.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path, recs := readDir(t, dir)
	if got, want := filepath.Base(path), "events.out.tfevents.1700000000.host.42.0"; got != want {
		t.Errorf("file name %q, want %q", got, want)
	}
	events := decodeEvents(t, recs)
	if len(events) != len(goldenScalars)+1 {
		t.Fatalf("%d events, want %d", len(events), len(goldenScalars)+1)
	}
	if e := events[0]; e.FileVersion != "brain.Event:2" || e.WallTime != 1700000000.25 || e.Step != 0 {
		t.Errorf("first event %+v, want file_version brain.Event:2 at 1700000000.25", e)
	}
	for i, s := range goldenScalars {
		e := events[i+1]
		want := decoded{WallTime: 1700000000.25 + float64(i), Step: s.step, Tag: s.tag, Value: float64(float32(s.value))}
		if e != want {
			t.Errorf("event %d = %+v, want %+v", i+1, e, want)
		}
	}

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.tfevents")
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("written file differs from %s (run with -update if the change is intended)", golden)
	}
}

// TestIndependentReader compares the Go decoding of the golden file with
// what scripts/tensorboard/read_events.mjs printed for the same bytes.
func TestIndependentReader(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden.tfevents"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readRecords(b)
	if err != nil {
		t.Fatal(err)
	}
	ours := decodeEvents(t, recs)
	js, err := os.ReadFile(filepath.Join("testdata", "golden.reader.json"))
	if err != nil {
		t.Fatal(err)
	}
	// JSON has no Inf or NaN: the script writes a non-finite value as null.
	var theirs []struct {
		decoded
		Value *float64 `json:"simple_value"`
	}
	if err := json.Unmarshal(js, &theirs); err != nil {
		t.Fatalf("golden.reader.json: %v", err)
	}
	if len(theirs) != len(ours) {
		t.Fatalf("reader saw %d events, Go sees %d", len(theirs), len(ours))
	}
	for i, o := range ours {
		th := theirs[i].decoded
		switch v := theirs[i].Value; {
		case v == nil && !math.IsInf(o.Value, 0) && !math.IsNaN(o.Value):
			t.Errorf("event %d: reader saw a non-finite value, Go %v", i, o.Value)
		case v == nil:
			th.Value = o.Value
		default:
			th.Value = *v
		}
		if th != o {
			t.Errorf("event %d: reader %+v, Go %+v", i, th, o)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^events\.out\.tfevents\.\d{10}\.[^.].*\.\d+\.0$`).MatchString(filepath.Base(w.Path())) {
		t.Errorf("file name %q does not look like TensorBoard's", filepath.Base(w.Path()))
	}
	if err := w.AddScalar("", 1, 1, time.Now()); err == nil {
		t.Error("empty tag accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"AddScalar", func() error { return w.AddScalar("x", 1, 1, time.Now()) }},
		{"Flush", w.Flush},
		{"Close", w.Close},
	}
	for _, tc := range tests {
		if err := tc.call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: err = %v, want ErrClosed", tc.name, err)
		}
	}

	// A directory that cannot be created is an error naming it.
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewWriter(filepath.Join(blocker, "runs")); err == nil || !strings.Contains(err.Error(), blocker) {
		t.Errorf("NewWriter under a file: err = %v, want one naming %s", err, blocker)
	}
}

func TestSameSecondGetsNewSuffix(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for range 3 {
		w, err := newWriter(dir, fixedTime, "host", 7)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, filepath.Base(w.Path()))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"events.out.tfevents.1700000000.host.7.0",
		"events.out.tfevents.1700000000.host.7.1",
		"events.out.tfevents.1700000000.host.7.2",
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Errorf("writer %d file %q, want %q", i, paths[i], want[i])
		}
	}
}
