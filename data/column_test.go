package data

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrowColumn converts one in-memory Arrow array (built here only to reach
// every branch of the converter; file reading is tested with fixtures from
// independent writers).
func arrowColumn(t *testing.T, build func(mem memory.Allocator) arrow.Array) (*column, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	arr := build(mem)
	defer arr.Release()
	kind, ok := arrowKind(arr.DataType())
	if !ok {
		return nil, errors.New("unsupported " + arr.DataType().String())
	}
	b := newBuilder("c", kind)
	err := appendArrow(b, arr)
	return b.c, err
}

func TestArrowScalarTypes(t *testing.T) {
	ints := func(b interface {
		AppendNull()
	}, app func(i int)) {
		app(1)
		b.AppendNull()
		app(3)
	}
	tests := []struct {
		name  string
		build func(mem memory.Allocator) arrow.Array
		kind  Kind
	}{
		{"int8", func(m memory.Allocator) arrow.Array {
			b := array.NewInt8Builder(m)
			ints(b, func(i int) { b.Append(int8(i)) })
			return b.NewArray()
		}, KindInt},
		{"int16", func(m memory.Allocator) arrow.Array {
			b := array.NewInt16Builder(m)
			ints(b, func(i int) { b.Append(int16(i)) })
			return b.NewArray()
		}, KindInt},
		{"uint8", func(m memory.Allocator) arrow.Array {
			b := array.NewUint8Builder(m)
			ints(b, func(i int) { b.Append(uint8(i)) })
			return b.NewArray()
		}, KindInt},
		{"uint16", func(m memory.Allocator) arrow.Array {
			b := array.NewUint16Builder(m)
			ints(b, func(i int) { b.Append(uint16(i)) })
			return b.NewArray()
		}, KindInt},
		{"uint32", func(m memory.Allocator) arrow.Array {
			b := array.NewUint32Builder(m)
			ints(b, func(i int) { b.Append(uint32(i)) })
			return b.NewArray()
		}, KindInt},
		{"uint64", func(m memory.Allocator) arrow.Array {
			b := array.NewUint64Builder(m)
			ints(b, func(i int) { b.Append(uint64(i)) })
			return b.NewArray()
		}, KindInt},
		{"float16", func(m memory.Allocator) arrow.Array {
			b := array.NewFloat16Builder(m)
			ints(b, func(i int) { b.Append(float16.New(float32(i))) })
			return b.NewArray()
		}, KindFloat},
		{"dictionary of int", func(m memory.Allocator) arrow.Array {
			b := array.NewDictionaryBuilder(m, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.PrimitiveTypes.Int64}).(*array.Int64DictionaryBuilder)
			ints(b, func(i int) { _ = b.Append(int64(i)) })
			return b.NewArray()
		}, KindInt},
		{"list<bool>", func(m memory.Allocator) arrow.Array {
			b := array.NewListBuilder(m, arrow.FixedWidthTypes.Boolean)
			vb := b.ValueBuilder().(*array.BooleanBuilder)
			b.Append(true)
			vb.Append(true)
			b.AppendNull()
			b.Append(true)
			vb.AppendValues([]bool{true, false, true}, nil)
			return b.NewArray()
		}, KindIntList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := arrowColumn(t, tt.build)
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind() != tt.kind || c.Len() != 3 || !c.Null(1) || c.Null(0) {
				t.Fatalf("kind %s len %d nulls %v %v", c.Kind(), c.Len(), c.Null(0), c.Null(1))
			}
			if tt.kind == KindIntList {
				if v, _ := c.Ints(2); !reflect.DeepEqual(v, []int64{1, 0, 1}) {
					t.Errorf("row 2 = %v", v)
				}
				return
			}
			if v, err := c.Float(2); err != nil || v != 3 {
				t.Errorf("row 2 = %v, %v", v, err)
			}
		})
	}
}

func TestArrowErrors(t *testing.T) {
	_, err := arrowColumn(t, func(m memory.Allocator) arrow.Array {
		b := array.NewUint64Builder(m)
		b.Append(math.MaxUint64)
		return b.NewArray()
	})
	if err == nil || !strings.Contains(err.Error(), "overflows") || !strings.Contains(err.Error(), "row 0") {
		t.Errorf("uint64 overflow err = %v", err)
	}
	if _, ok := arrowKind(arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32})); ok {
		t.Error("struct should be unsupported")
	}
	if _, ok := arrowKind(arrow.ListOf(arrow.BinaryTypes.Binary)); ok {
		t.Error("list<binary> should be unsupported")
	}
}

// testColumns builds one small column of every kind: row 0 holds a value,
// row 1 is null.
func testColumns() map[Kind]*column {
	out := map[Kind]*column{}
	add := func(k Kind, fill func(b *builder)) {
		b := newBuilder(k.String(), k)
		fill(b)
		b.endRow()
		b.appendNull()
		out[k] = b.c
	}
	add(KindString, func(b *builder) { b.addString("s") })
	add(KindInt, func(b *builder) { b.addInt(7) })
	add(KindFloat, func(b *builder) { b.addFloat(2) })
	add(KindBool, func(b *builder) { b.addBool(true) })
	add(KindIntList, func(b *builder) { b.addInt(1); b.elemAdded(); b.addInt(2); b.elemAdded() })
	add(KindFloatList, func(b *builder) { b.addFloat(0.5); b.elemAdded() })
	add(KindStringList, func(b *builder) { b.addString("x"); b.elemAdded() })
	return out
}

func TestColumnAccessorMatrix(t *testing.T) {
	type access func(c *column) (any, error)
	accessors := map[string]access{
		"String":  func(c *column) (any, error) { return c.String(0) },
		"Int":     func(c *column) (any, error) { return c.Int(0) },
		"Float":   func(c *column) (any, error) { return c.Float(0) },
		"Bool":    func(c *column) (any, error) { return c.Bool(0) },
		"Ints":    func(c *column) (any, error) { return c.Ints(0) },
		"Floats":  func(c *column) (any, error) { return c.Floats(0) },
		"Strings": func(c *column) (any, error) { return c.Strings(0) },
	}
	// want[kind][accessor] is the value row 0 converts to; missing = ErrType.
	want := map[Kind]map[string]any{
		KindString:     {"String": "s"},
		KindInt:        {"Int": int64(7), "Float": 7.0},
		KindFloat:      {"Int": int64(2), "Float": 2.0},
		KindBool:       {"Bool": true, "Int": int64(1), "Float": 1.0},
		KindIntList:    {"Ints": []int64{1, 2}, "Floats": []float64{1, 2}},
		KindFloatList:  {"Floats": []float64{0.5}},
		KindStringList: {"Strings": []string{"x"}},
	}
	for kind, c := range testColumns() {
		for name, acc := range accessors {
			got, err := acc(c)
			w, ok := want[kind][name]
			switch {
			case kind == KindFloatList && name == "Ints":
				if !errors.Is(err, ErrType) { // 0.5 is not an integer
					t.Errorf("%s.%s err = %v, want ErrType", kind, name, err)
				}
			case ok && (err != nil || !reflect.DeepEqual(got, w)):
				t.Errorf("%s.%s = %v, %v; want %v", kind, name, got, err, w)
			case !ok && !errors.Is(err, ErrType):
				t.Errorf("%s.%s err = %v, want ErrType", kind, name, err)
			}
		}
		if _, err := c.Int(1); !errors.Is(err, ErrNull) || !strings.Contains(err.Error(), "row 1") {
			t.Errorf("%s: null row err = %v", kind, err)
		}
		if _, err := c.String(5); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("%s: out of range err = %v", kind, err)
		}
	}
	big := newBuilder("big", KindInt)
	big.addInt(1 << 60)
	big.endRow()
	if _, err := big.c.Float(0); !errors.Is(err, ErrType) {
		t.Errorf("2^60 -> Float err = %v", err)
	}
	if Kind(99).String() != "Kind(99)" || KindIntList.String() != "list<int>" {
		t.Error("Kind.String")
	}
}
