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

// readParquet reads a whole Parquet file and checks the rows read against the
// footer's num_rows: an older arrow-go silently returned 0 rows for valid files
// (see DATA.md in the design notes), so the count is never trusted blindly.
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
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{Parallel: true, BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("parquet to arrow: %w", err)
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		return nil, fmt.Errorf("read parquet: %w", err)
	}
	defer tbl.Release()
	if tbl.NumRows() != want {
		return nil, fmt.Errorf("read %d rows but the parquet footer says %d", tbl.NumRows(), want)
	}
	schema := tbl.Schema()
	chunks := make([][]arrow.Array, schema.NumFields())
	for i := range chunks {
		chunks[i] = tbl.Column(i).Data().Chunks()
	}
	t, err := tableFromArrow(ctx, schema, chunks, int(want))
	if err != nil {
		return nil, err
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
	var recs []arrow.RecordBatch
	defer func() {
		for _, rec := range recs {
			rec.Release()
		}
	}()
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			return nil, fmt.Errorf("arrow ipc file: record batch %d: %w", i, err)
		}
		rec.Retain()
		recs = append(recs, rec)
	}
	return tableFromRecords(ctx, r.Schema(), recs)
}

// readIPCStream reads an Arrow IPC stream, the format of Hugging Face
// datasets' cache files (data-00000-of-00001.arrow).
func readIPCStream(ctx context.Context, rd io.Reader) (*Table, error) {
	r, err := ipc.NewReader(rd)
	if err != nil {
		return nil, fmt.Errorf("arrow ipc stream: %w", err)
	}
	defer r.Release()
	var recs []arrow.RecordBatch
	defer func() {
		for _, rec := range recs {
			rec.Release()
		}
	}()
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("arrow ipc stream: record batch %d: %w", len(recs), err)
	}
	return tableFromRecords(ctx, r.Schema(), recs)
}

func tableFromRecords(ctx context.Context, schema *arrow.Schema, recs []arrow.RecordBatch) (*Table, error) {
	chunks := make([][]arrow.Array, schema.NumFields())
	n := 0
	for _, rec := range recs {
		n += int(rec.NumRows())
		for i := range chunks {
			chunks[i] = append(chunks[i], rec.Column(i))
		}
	}
	return tableFromArrow(ctx, schema, chunks, n)
}

// tableFromArrow copies Arrow chunks into hftrain columns. A column of a type
// hftrain does not use (struct, binary, ...) becomes an unsupported column
// rather than failing the whole file: datasets often carry such extras.
func tableFromArrow(ctx context.Context, schema *arrow.Schema, chunks [][]arrow.Array, n int) (*Table, error) {
	t := &Table{n: n}
	if md := schema.Metadata(); md.FindKey(hfMetadataKey) >= 0 {
		t.setHFMetadata(md.Values()[md.FindKey(hfMetadataKey)])
	}
	for i, f := range schema.Fields() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		kind, ok := arrowKind(f.Type)
		if !ok {
			t.add(unsupported(f.Name, n, "unsupported Arrow type "+f.Type.String()))
			continue
		}
		b := newBuilder(f.Name, kind)
		for _, arr := range chunks[i] {
			if err := appendArrow(b, arr); err != nil {
				return nil, fmt.Errorf("column %q: %w", f.Name, err)
			}
		}
		if b.c.n != n {
			return nil, fmt.Errorf("column %q has %d rows, table has %d", f.Name, b.c.n, n)
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
