package data

import (
	"errors"
	"fmt"
	"math"
)

// Kind is the logical type of a Column, after the file's physical type has
// been normalised (int8..int64 and unsigned ints are Int; float16/32/64 are
// Float; string, large_string, string_view and dictionary-encoded strings are
// String).
type Kind int

// The kinds a Column can have.
const (
	// KindUnsupported marks a column whose type hftrain cannot read (a
	// struct, a map, binary, mixed JSON types, ...). It is still listed by
	// Table.Columns; every accessor returns an error explaining why.
	KindUnsupported Kind = iota
	KindString
	KindInt
	KindFloat
	KindBool
	KindIntList
	KindFloatList
	KindStringList
)

var kindNames = [...]string{"unsupported", "string", "int", "float", "bool", "list<int>", "list<float>", "list<string>"}

// String returns the kind's name as used in error messages.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// IsList reports whether the kind holds one list per row.
func (k Kind) IsList() bool { return k == KindIntList || k == KindFloatList || k == KindStringList }

// Errors returned (wrapped) by Column accessors; test with errors.Is.
var (
	// ErrNull: the value (or a list element) at the requested row is null.
	ErrNull = errors.New("value is null")
	// ErrType: the column's kind cannot be converted losslessly to the
	// requested Go type.
	ErrType = errors.New("type mismatch")
)

// Column gives typed, per-row access to one column of a Table. Rows are
// 0-based. Accessors convert where no information is lost: Int -> Float
// (|v| <= 2^53), Bool -> Int/Float (0 or 1), integral Float -> Int, list<int>
// -> Floats, integral list<float> -> Ints. Anything else is ErrType; a null
// row or list element is ErrNull. Errors name the column and the row.
type Column interface {
	// Name is the column's name in the file.
	Name() string
	// Kind is the column's logical type.
	Kind() Kind
	// Len is the number of rows.
	Len() int
	// Null reports whether row i is null.
	Null(i int) bool
	// String returns row i of a string column.
	String(i int) (string, error)
	// Int returns row i as an integer.
	Int(i int) (int64, error)
	// Float returns row i as a float.
	Float(i int) (float64, error)
	// Bool returns row i of a bool column.
	Bool(i int) (bool, error)
	// Ints returns row i of an int (or integral float) list column.
	Ints(i int) ([]int64, error)
	// Floats returns row i of a float or int list column.
	Floats(i int) ([]float64, error)
	// Strings returns row i of a string list column.
	Strings(i int) ([]string, error)
}

// column is the one in-memory implementation of Column. Scalars live in the
// slice that matches kind; lists are flattened into that slice with offsets
// (row i spans [offsets[i], offsets[i+1])). valid and elemValid are nil when
// nothing is null.
type column struct {
	name      string
	kind      Kind
	reason    string // why the column is unsupported
	n         int
	valid     []bool
	offsets   []int
	elemValid []bool
	strs      []string
	ints      []int64
	floats    []float64
	bools     []bool
}

// maxExactFloat is the largest integer magnitude a float64 holds exactly.
const maxExactFloat = 1 << 53

func (c *column) Name() string { return c.name }
func (c *column) Kind() Kind   { return c.kind }
func (c *column) Len() int     { return c.n }

func (c *column) Null(i int) bool { return c.valid != nil && !c.valid[i] }

// check validates the row index and nullness before an access.
func (c *column) check(i int) error {
	if c.kind == KindUnsupported {
		return fmt.Errorf("column %q: %w: %s", c.name, ErrType, c.reason)
	}
	if i < 0 || i >= c.n {
		return fmt.Errorf("column %q: row %d out of range [0,%d)", c.name, i, c.n)
	}
	if c.Null(i) {
		return fmt.Errorf("column %q: row %d: %w", c.name, i, ErrNull)
	}
	return nil
}

func (c *column) typeErr(i int, want string) error {
	return fmt.Errorf("column %q: row %d: %w: column is %s, want %s", c.name, i, ErrType, c.kind, want)
}

func (c *column) String(i int) (string, error) {
	if err := c.check(i); err != nil {
		return "", err
	}
	if c.kind != KindString {
		return "", c.typeErr(i, "string")
	}
	return c.strs[i], nil
}

func (c *column) Int(i int) (int64, error) {
	if err := c.check(i); err != nil {
		return 0, err
	}
	switch c.kind {
	case KindInt:
		return c.ints[i], nil
	case KindBool:
		if c.bools[i] {
			return 1, nil
		}
		return 0, nil
	case KindFloat:
		v, ok := floatToInt(c.floats[i])
		if !ok {
			return 0, fmt.Errorf("column %q: row %d: %w: %v is not an integer", c.name, i, ErrType, c.floats[i])
		}
		return v, nil
	}
	return 0, c.typeErr(i, "int")
}

func (c *column) Float(i int) (float64, error) {
	if err := c.check(i); err != nil {
		return 0, err
	}
	switch c.kind {
	case KindFloat:
		return c.floats[i], nil
	case KindInt:
		v := c.ints[i]
		if v > maxExactFloat || v < -maxExactFloat {
			return 0, fmt.Errorf("column %q: row %d: %w: %d does not fit a float64 exactly", c.name, i, ErrType, v)
		}
		return float64(v), nil
	case KindBool:
		if c.bools[i] {
			return 1, nil
		}
		return 0, nil
	}
	return 0, c.typeErr(i, "float")
}

func (c *column) Bool(i int) (bool, error) {
	if err := c.check(i); err != nil {
		return false, err
	}
	if c.kind != KindBool {
		return false, c.typeErr(i, "bool")
	}
	return c.bools[i], nil
}

// span returns row i's element range, failing on a null element.
func (c *column) span(i int) (lo, hi int, err error) {
	lo, hi = c.offsets[i], c.offsets[i+1]
	if c.elemValid != nil {
		for j := lo; j < hi; j++ {
			if !c.elemValid[j] {
				return 0, 0, fmt.Errorf("column %q: row %d: element %d: %w", c.name, i, j-lo, ErrNull)
			}
		}
	}
	return lo, hi, nil
}

func (c *column) Ints(i int) ([]int64, error) {
	if err := c.check(i); err != nil {
		return nil, err
	}
	if c.kind != KindIntList && c.kind != KindFloatList {
		return nil, c.typeErr(i, "list<int>")
	}
	lo, hi, err := c.span(i)
	if err != nil {
		return nil, err
	}
	out := make([]int64, hi-lo)
	if c.kind == KindIntList {
		copy(out, c.ints[lo:hi])
		return out, nil
	}
	for j, f := range c.floats[lo:hi] {
		v, ok := floatToInt(f)
		if !ok {
			return nil, fmt.Errorf("column %q: row %d: element %d: %w: %v is not an integer", c.name, i, j, ErrType, f)
		}
		out[j] = v
	}
	return out, nil
}

func (c *column) Floats(i int) ([]float64, error) {
	if err := c.check(i); err != nil {
		return nil, err
	}
	if c.kind != KindIntList && c.kind != KindFloatList {
		return nil, c.typeErr(i, "list<float>")
	}
	lo, hi, err := c.span(i)
	if err != nil {
		return nil, err
	}
	out := make([]float64, hi-lo)
	if c.kind == KindFloatList {
		copy(out, c.floats[lo:hi])
		return out, nil
	}
	for j, v := range c.ints[lo:hi] {
		if v > maxExactFloat || v < -maxExactFloat {
			return nil, fmt.Errorf("column %q: row %d: element %d: %w: %d does not fit a float64 exactly", c.name, i, j, ErrType, v)
		}
		out[j] = float64(v)
	}
	return out, nil
}

func (c *column) Strings(i int) ([]string, error) {
	if err := c.check(i); err != nil {
		return nil, err
	}
	if c.kind != KindStringList {
		return nil, c.typeErr(i, "list<string>")
	}
	lo, hi, err := c.span(i)
	if err != nil {
		return nil, err
	}
	out := make([]string, hi-lo)
	copy(out, c.strs[lo:hi])
	return out, nil
}

// floatToInt converts f when it is an integer that an int64 holds exactly.
func floatToInt(f float64) (int64, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > maxExactFloat {
		return 0, false
	}
	return int64(f), true
}

// builder appends rows to a column of a fixed kind.
type builder struct{ c *column }

func newBuilder(name string, kind Kind) *builder {
	c := &column{name: name, kind: kind}
	if kind.IsList() {
		c.offsets = []int{0}
	}
	return &builder{c: c}
}

// unsupported returns a column that explains, on every access, why it could
// not be read.
func unsupported(name string, n int, reason string) *column {
	return &column{name: name, kind: KindUnsupported, n: n, reason: reason}
}

// appendNull appends a null row.
func (b *builder) appendNull() {
	c := b.c
	if c.valid == nil {
		c.valid = make([]bool, c.n, c.n+1)
		for i := range c.valid {
			c.valid[i] = true
		}
	}
	c.valid = append(c.valid, false)
	c.n++
	switch c.kind {
	case KindString:
		c.strs = append(c.strs, "")
	case KindInt:
		c.ints = append(c.ints, 0)
	case KindFloat:
		c.floats = append(c.floats, 0)
	case KindBool:
		c.bools = append(c.bools, false)
	default:
		c.offsets = append(c.offsets, c.offsets[len(c.offsets)-1])
	}
}

// endRow finishes a non-null row (after its scalar or elements are appended).
func (b *builder) endRow() {
	c := b.c
	if c.valid != nil {
		c.valid = append(c.valid, true)
	}
	c.n++
	if c.kind.IsList() {
		c.offsets = append(c.offsets, c.elemCount())
	}
}

func (c *column) elemCount() int {
	switch c.kind {
	case KindStringList:
		return len(c.strs)
	case KindIntList:
		return len(c.ints)
	default:
		return len(c.floats)
	}
}

// nullElem appends a null list element (a zero placeholder).
func (b *builder) nullElem() {
	c := b.c
	if c.elemValid == nil {
		c.elemValid = make([]bool, c.elemCount(), c.elemCount()+1)
		for i := range c.elemValid {
			c.elemValid[i] = true
		}
	}
	switch c.kind {
	case KindStringList:
		c.strs = append(c.strs, "")
	case KindIntList:
		c.ints = append(c.ints, 0)
	default:
		c.floats = append(c.floats, 0)
	}
	c.elemValid = append(c.elemValid, false)
}

// elemAdded records a valid list element appended directly to a value slice.
func (b *builder) elemAdded() {
	if b.c.elemValid != nil {
		b.c.elemValid = append(b.c.elemValid, true)
	}
}

func (b *builder) addString(s string) { b.c.strs = append(b.c.strs, s) }
func (b *builder) addInt(v int64)     { b.c.ints = append(b.c.ints, v) }
func (b *builder) addFloat(v float64) { b.c.floats = append(b.c.floats, v) }
func (b *builder) addBool(v bool)     { b.c.bools = append(b.c.bools, v) }
