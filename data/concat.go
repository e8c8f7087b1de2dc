package data

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ReadFiles reads several files of one dataset split (Hub shards such as
// train-00000-of-00002.parquet, or the data-0000x-of-0000n.arrow files of a
// datasets cache) and concatenates their rows in the order given. Every file
// must have the same columns; a column whose kind differs between files is
// unified when no information is lost (int with float becomes float; a column
// that is all null in one file takes the other files' kind), else it is an
// error naming the column and both files.
func ReadFiles(ctx context.Context, paths ...string) (*Table, error) {
	if len(paths) == 0 {
		return nil, errors.New("data: ReadFiles: no files")
	}
	tables := make([]*Table, len(paths))
	for i, p := range paths {
		t, err := ReadFile(ctx, p)
		if err != nil {
			return nil, err
		}
		tables[i] = t
	}
	t, err := concatTables(tables, paths)
	if err != nil {
		return nil, fmt.Errorf("data: ReadFiles: %w", err)
	}
	return t, nil
}

func concatTables(tables []*Table, paths []string) (*Table, error) {
	first := tables[0]
	if len(tables) == 1 {
		return first, nil
	}
	out := &Table{classNames: first.classNames}
	for i, t := range tables[1:] {
		if !sameNames(first.names, t.names) {
			return nil, fmt.Errorf("%s has columns %s but %s has %s", paths[0], first.columnList(), paths[i+1], t.columnList())
		}
	}
	for _, name := range first.names {
		parts := make([]*column, len(tables))
		for i, t := range tables {
			parts[i] = t.cols[name]
		}
		c, err := concatColumns(parts, paths)
		if err != nil {
			return nil, err
		}
		out.add(c)
	}
	for _, t := range tables {
		out.n += t.n
	}
	return out, nil
}

func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, "\x00") == strings.Join(y, "\x00")
}

// concatColumns appends the parts of one column after unifying their kinds.
func concatColumns(parts []*column, paths []string) (*column, error) {
	kind := KindUnsupported
	from := -1
	for i, p := range parts {
		if p.kind == KindUnsupported {
			return unsupported(p.name, sumLen(parts), fmt.Sprintf("in %s: %s", paths[i], p.reason)), nil
		}
		if p.allNull() && p.kind == KindString || p.kind.IsList() && p.elemCount() == 0 {
			continue // all-null or only empty lists: no kind of its own (JSON/CSV inference)
		}
		switch {
		case from < 0:
			kind, from = p.kind, i
		case p.kind == kind:
		case widen(kind, p.kind) != KindUnsupported:
			kind = widen(kind, p.kind)
		default:
			return nil, fmt.Errorf("column %q is %s in %s but %s in %s", p.name, kind, paths[from], p.kind, paths[i])
		}
	}
	if from < 0 {
		kind = parts[0].kind // null or empty everywhere
	}
	b := newBuilder(parts[0].name, kind)
	for _, p := range parts {
		appendColumn(b, p)
	}
	return b.c, nil
}

// widen returns the kind that holds both a and b losslessly, or
// KindUnsupported.
func widen(a, b Kind) Kind {
	pair := func(x, y Kind) bool { return (a == x && b == y) || (a == y && b == x) }
	switch {
	case pair(KindInt, KindFloat):
		return KindFloat
	case pair(KindIntList, KindFloatList):
		return KindFloatList
	}
	return KindUnsupported
}

func sumLen(parts []*column) int {
	n := 0
	for _, p := range parts {
		n += p.n
	}
	return n
}

func (c *column) allNull() bool {
	if c.valid == nil {
		return c.n == 0
	}
	for _, v := range c.valid {
		if v {
			return false
		}
	}
	return true
}

// appendColumn appends every row of p to b, converting int values to float
// when b's kind is wider. Nulls stay null.
func appendColumn(b *builder, p *column) {
	for i := 0; i < p.n; i++ {
		if p.Null(i) || p.kind == KindString && b.c.kind != KindString {
			b.appendNull()
			continue
		}
		if !p.kind.IsList() {
			appendScalarFrom(b, p, i)
			b.endRow()
			continue
		}
		for j := p.offsets[i]; j < p.offsets[i+1]; j++ {
			if p.elemValid != nil && !p.elemValid[j] {
				b.nullElem()
				continue
			}
			appendScalarFrom(b, p, j)
			b.elemAdded()
		}
		b.endRow()
	}
}

// appendScalarFrom appends p's value slot j to b.
func appendScalarFrom(b *builder, p *column, j int) {
	switch p.kind {
	case KindString, KindStringList:
		b.addString(p.strs[j])
	case KindBool:
		b.addBool(p.bools[j])
	case KindInt, KindIntList:
		if b.c.kind == KindFloat || b.c.kind == KindFloatList {
			b.addFloat(float64(p.ints[j]))
		} else {
			b.addInt(p.ints[j])
		}
	default:
		b.addFloat(p.floats[j])
	}
}
