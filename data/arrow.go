package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// readParquet reads a whole Parquet file, one record batch at a time so that
// only one batch is held in Arrow form next to the growing columns, and checks
// the rows read against the footer's num_rows: an older arrow-go silently
// returned 0 rows for valid files, so the count is never trusted blindly.
func readParquet(ctx context.Context, path string) (*Table, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	defer pf.Close()
	want := pf.NumRows()
	var groupRows int64
	for i := 0; i < pf.NumRowGroups(); i++ {
		groupRows += pf.MetaData().RowGroup(i).NumRows()
	}
	if groupRows != want {
		return nil, fmt.Errorf("parquet footer says %d rows but its row groups hold %d", want, groupRows)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{Parallel: true, BatchSize: 1 << 14}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("parquet to arrow: %w", err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("read parquet: %w", err)
	}
	defer rr.Release()
	t, err := tableFromReader(ctx, rr)
	if err != nil {
		return nil, fmt.Errorf("read parquet: %w", err)
	}
	if int64(t.n) != want {
		return nil, fmt.Errorf("read %d rows but the parquet footer says %d", t.n, want)
	}
	if t.classNames == nil {
		if v := pf.MetaData().KeyValueMetadata().FindValue(hfMetadataKey); v != nil {
			t.setHFMetadata(*v)
		}
	}
	return t, nil
}

// readIPCFile reads an Arrow IPC file ("ARROW1" magic, random access).
func readIPCFile(ctx context.Context, path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f)
	if err != nil {
		return nil, fmt.Errorf("arrow ipc file: %w", err)
	}
	defer r.Close()
	sink := newArrowSink(r.Schema())
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			return nil, fmt.Errorf("arrow ipc file: record batch %d: %w", i, err)
		}
		if err := sink.add(ctx, rec); err != nil {
			return nil, fmt.Errorf("arrow ipc file: record batch %d: %w", i, err)
		}
	}
	return sink.table()
}

// readIPCStream reads an Arrow IPC stream, the format of Hugging Face
// datasets' cache files (data-00000-of-00001.arrow).
func readIPCStream(ctx context.Context, rd io.Reader) (*Table, error) {
	r, err := ipc.NewReader(rd)
	if err != nil {
		return nil, fmt.Errorf("arrow ipc stream: %w", err)
	}
	defer r.Release()
	t, err := tableFromReader(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("arrow ipc stream: %w", err)
	}
	return t, nil
}

// tableFromReader drains a record batch reader into a Table.
func tableFromReader(ctx context.Context, rr array.RecordReader) (*Table, error) {
	sink := newArrowSink(rr.Schema())
	for i := 0; rr.Next(); i++ {
		if err := sink.add(ctx, rr.RecordBatch()); err != nil {
			return nil, fmt.Errorf("record batch %d: %w", i, err)
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("after %d rows: %w", sink.n, err)
	}
	return sink.table()
}

// arrowSink copies Arrow record batches into hftrain columns. A column of a
// type hftrain does not use (struct, binary, ...) becomes an unsupported
// column rather than failing the whole file: datasets often carry such
// extras.
type arrowSink struct {
	schema *arrow.Schema
	cols   []*builder // nil for unsupported fields
	n      int
}

func newArrowSink(schema *arrow.Schema) *arrowSink {
	s := &arrowSink{schema: schema, cols: make([]*builder, schema.NumFields())}
	for i, f := range schema.Fields() {
		if kind, ok := arrowKind(f.Type); ok {
			s.cols[i] = newBuilder(f.Name, kind)
		}
	}
	return s
}

func (s *arrowSink) add(ctx context.Context, rec arrow.RecordBatch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if int(rec.NumCols()) != len(s.cols) {
		return fmt.Errorf("record batch has %d columns, schema %d", rec.NumCols(), len(s.cols))
	}
	for i, b := range s.cols {
		if b == nil {
			continue
		}
		if err := appendArrow(b, rec.Column(i)); err != nil {
			return fmt.Errorf("column %q: %w", b.c.name, err)
		}
	}
	s.n += int(rec.NumRows())
	return nil
}

func (s *arrowSink) table() (*Table, error) {
	t := &Table{n: s.n}
	if md := s.schema.Metadata(); md.FindKey(hfMetadataKey) >= 0 {
		t.setHFMetadata(md.Values()[md.FindKey(hfMetadataKey)])
	}
	for i, f := range s.schema.Fields() {
		b := s.cols[i]
		if b == nil {
			t.add(unsupported(f.Name, s.n, "unsupported Arrow type "+f.Type.String()))
			continue
		}
		if b.c.n != s.n {
			return nil, fmt.Errorf("column %q has %d rows, table has %d", f.Name, b.c.n, s.n)
		}
		t.add(b.c)
	}
	return t, nil
}

// arrowKind maps an Arrow type to the Kind it is read as.
func arrowKind(dt arrow.DataType) (Kind, bool) {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.NULL:
		return KindString, true
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return KindInt, true
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return KindFloat, true
	case arrow.BOOL:
		return KindBool, true
	case arrow.DICTIONARY:
		return arrowKind(dt.(*arrow.DictionaryType).ValueType)
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW:
		elem, ok := arrowKind(dt.(arrow.ListLikeType).Elem())
		if !ok {
			return KindUnsupported, false
		}
		switch elem {
		case KindString:
			return KindStringList, true
		case KindInt, KindBool:
			return KindIntList, true
		case KindFloat:
			return KindFloatList, true
		}
	}
	return KindUnsupported, false
}

// appendArrow appends every row of arr to b.
func appendArrow(b *builder, arr arrow.Array) error {
	if b.c.kind.IsList() {
		ll, ok := arr.(array.ListLike)
		if !ok {
			return fmt.Errorf("unexpected Arrow array %T for %s", arr, b.c.kind)
		}
		vals := ll.ListValues()
		for i := 0; i < arr.Len(); i++ {
			if arr.IsNull(i) {
				b.appendNull()
				continue
			}
			lo, hi := ll.ValueOffsets(i)
			for j := int(lo); j < int(hi); j++ {
				if vals.IsNull(j) {
					b.nullElem()
					continue
				}
				if err := appendScalar(b, vals, j); err != nil {
					return fmt.Errorf("row %d: %w", b.c.n, err)
				}
				b.elemAdded()
			}
			b.endRow()
		}
		return nil
	}
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			b.appendNull()
			continue
		}
		if err := appendScalar(b, arr, i); err != nil {
			return fmt.Errorf("row %d: %w", b.c.n, err)
		}
		b.endRow()
	}
	return nil
}

// appendScalar appends the non-null value arr[i] to b's value slice,
// converting it to the slice's Go type.
func appendScalar(b *builder, arr arrow.Array, i int) error {
	switch a := arr.(type) {
	case *array.Dictionary:
		return appendScalar(b, a.Dictionary(), a.GetValueIndex(i))
	case *array.String:
		b.addString(a.Value(i))
	case *array.LargeString:
		b.addString(a.Value(i))
	case *array.StringView:
		b.addString(a.Value(i))
	case *array.Int8:
		b.addInt(int64(a.Value(i)))
	case *array.Int16:
		b.addInt(int64(a.Value(i)))
	case *array.Int32:
		b.addInt(int64(a.Value(i)))
	case *array.Int64:
		b.addInt(a.Value(i))
	case *array.Uint8:
		b.addInt(int64(a.Value(i)))
	case *array.Uint16:
		b.addInt(int64(a.Value(i)))
	case *array.Uint32:
		b.addInt(int64(a.Value(i)))
	case *array.Uint64:
		v := a.Value(i)
		if v > math.MaxInt64 {
			return fmt.Errorf("uint64 %d overflows int64", v)
		}
		b.addInt(int64(v))
	case *array.Float16:
		b.addFloat(float64(a.Value(i).Float32()))
	case *array.Float32:
		b.addFloat(float64(a.Value(i)))
	case *array.Float64:
		b.addFloat(a.Value(i))
	case *array.Boolean:
		if b.c.kind == KindIntList {
			var v int64
			if a.Value(i) {
				v = 1
			}
			b.addInt(v)
			return nil
		}
		b.addBool(a.Value(i))
	default:
		return fmt.Errorf("unexpected Arrow array %T", arr)
	}
	return nil
}
