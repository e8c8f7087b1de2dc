package data

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Problem types, spelled as in transformers' PretrainedConfig.problem_type.
const (
	SingleLabel = "single_label_classification"
	MultiLabel  = "multi_label_classification"
	Regression  = "regression"
)

// labels is the result of reading a label column.
type labels struct {
	problem string
	names   []string    // id -> name; nil for regression
	ids     []int32     // single-label: one id per row
	floats  [][]float32 // multi-label: multi-hot rows; regression: one value per row
}

// problemFor infers the problem type from the label column's kind, as
// run_classification.py does: float labels mean regression, list labels mean
// multi-label, anything else single-label. An explicit want is checked
// against the kind instead.
func problemFor(col Column, want string) (string, error) {
	k := col.Kind()
	if k == KindUnsupported {
		_, err := col.Int(0)
		return "", fmt.Errorf("label column %q: %w", col.Name(), err)
	}
	inferred := SingleLabel
	switch {
	case k == KindFloat:
		inferred = Regression
	case k.IsList():
		inferred = MultiLabel
	}
	if want == "" {
		return inferred, nil
	}
	ok := false
	switch want {
	case SingleLabel:
		ok = k == KindInt || k == KindBool || k == KindString || k == KindFloat
	case MultiLabel:
		ok = k.IsList()
	case Regression:
		ok = k == KindInt || k == KindBool || k == KindFloat
	default:
		return "", fmt.Errorf("unknown problem type %q (want %q, %q, %q or empty to infer)", want, SingleLabel, MultiLabel, Regression)
	}
	if !ok {
		return "", fmt.Errorf("label column %q is %s, which cannot be a %s label", col.Name(), k, want)
	}
	return want, nil
}

// readLabels maps the label column to ids or float targets. fixed, when
// non-nil, is the id -> name list to use (a pretrained model's id2label or the
// train split's labels); otherwise the names are derived from the column.
func readLabels(col Column, problem string, fixed []string) (*labels, error) {
	switch problem {
	case Regression:
		return regressionLabels(col)
	case MultiLabel:
		return multiLabels(col, fixed)
	}
	if col.Kind() == KindString {
		return nameLabels(col, fixed)
	}
	return idLabels(col, fixed)
}

// rowErr formats an error about one row of the label column.
func rowErr(col Column, i int, format string, args ...any) error {
	return fmt.Errorf("label column %q: row %d: %s", col.Name(), i, fmt.Sprintf(format, args...))
}

func regressionLabels(col Column) (*labels, error) {
	l := &labels{problem: Regression, floats: make([][]float32, col.Len())}
	for i := range l.floats {
		v, err := col.Float(i)
		if err != nil {
			return nil, fmt.Errorf("label: %w", err)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, rowErr(col, i, "regression target is %v", v)
		}
		l.floats[i] = []float32{float32(v)}
	}
	return l, nil
}

// nameLabels maps string labels to ids. Derived names are sorted, as
// run_classification.py sorts its label_list.
func nameLabels(col Column, fixed []string) (*labels, error) {
	names := fixed
	if names == nil {
		seen := make(map[string]bool)
		for i := 0; i < col.Len(); i++ {
			s, err := col.String(i)
			if err != nil {
				return nil, fmt.Errorf("label: %w", err)
			}
			if !seen[s] {
				seen[s] = true
				names = append(names, s)
			}
		}
		sort.Strings(names)
	}
	index := nameIndex(names)
	l := &labels{problem: SingleLabel, names: names, ids: make([]int32, col.Len())}
	for i := range l.ids {
		s, err := col.String(i)
		if err != nil {
			return nil, fmt.Errorf("label: %w", err)
		}
		id, ok := index[s]
		if !ok {
			return nil, rowErr(col, i, "unknown label %q (labels: %s)", s, strings.Join(names, ", "))
		}
		l.ids[i] = id
	}
	return l, nil
}

func nameIndex(names []string) map[string]int32 {
	m := make(map[string]int32, len(names))
	for i, n := range names {
		m[n] = int32(i)
	}
	return m
}

// idLabels reads integer class ids. Without fixed names the number of labels
// is max id + 1 and the names are the ids in decimal.
func idLabels(col Column, fixed []string) (*labels, error) {
	l := &labels{problem: SingleLabel, ids: make([]int32, col.Len())}
	maxID := int64(-1)
	for i := range l.ids {
		v, err := col.Int(i)
		if err != nil {
			return nil, fmt.Errorf("label: %w", err)
		}
		if v < 0 {
			return nil, rowErr(col, i, "negative label id %d", v)
		}
		if fixed != nil && v >= int64(len(fixed)) {
			return nil, rowErr(col, i, "label id %d out of range for %d labels", v, len(fixed))
		}
		if v > math.MaxInt32 {
			return nil, rowErr(col, i, "label id %d too large", v)
		}
		maxID = max(maxID, v)
		l.ids[i] = int32(v)
	}
	l.names = fixed
	if l.names == nil {
		l.names = decimalNames(int(maxID + 1))
	}
	return l, nil
}

func decimalNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}

// multiLabels reads list labels: label names, label ids, or multi-hot
// vectors. A list<int> column is taken as multi-hot when every row has the
// same length (at least 2, and len(fixed) when fixed is given) and only 0/1
// values; otherwise its values are label ids.
func multiLabels(col Column, fixed []string) (*labels, error) {
	n := col.Len()
	l := &labels{problem: MultiLabel, names: fixed, floats: make([][]float32, n)}
	switch col.Kind() {
	case KindStringList:
		return multiNameLabels(col, fixed)
	case KindFloatList:
		return multiHotLabels(col, fixed)
	}
	hot, err := looksMultiHot(col, fixed)
	if err != nil {
		return nil, err
	}
	if hot {
		return multiHotLabels(col, fixed)
	}
	rows := make([][]int64, n)
	maxID := int64(-1)
	for i := range rows {
		r, err := col.Ints(i)
		if err != nil {
			return nil, fmt.Errorf("label: %w", err)
		}
		for _, v := range r {
			if v < 0 || (fixed != nil && v >= int64(len(fixed))) || v > math.MaxInt32 {
				return nil, rowErr(col, i, "label id %d out of range [0,%d)", v, labelBound(fixed))
			}
			maxID = max(maxID, v)
		}
		rows[i] = r
	}
	if l.names == nil {
		l.names = decimalNames(int(maxID + 1))
	}
	for i, r := range rows {
		l.floats[i] = make([]float32, len(l.names))
		for _, v := range r {
			l.floats[i][v] = 1
		}
	}
	return l, nil
}

// multiNameLabels reads lists of label names into multi-hot rows; derived
// names are sorted.
func multiNameLabels(col Column, fixed []string) (*labels, error) {
	n := col.Len()
	l := &labels{problem: MultiLabel, names: fixed, floats: make([][]float32, n)}
	rows := make([][]string, n)
	seen := make(map[string]bool)
	for i := range rows {
		r, err := col.Strings(i)
		if err != nil {
			return nil, fmt.Errorf("label: %w", err)
		}
		rows[i] = r
		for _, s := range r {
			if fixed == nil && !seen[s] {
				seen[s] = true
				l.names = append(l.names, s)
			}
		}
	}
	if fixed == nil {
		sort.Strings(l.names)
	}
	index := nameIndex(l.names)
	for i, r := range rows {
		l.floats[i] = make([]float32, len(l.names))
		for _, s := range r {
			id, ok := index[s]
			if !ok {
				return nil, rowErr(col, i, "unknown label %q (labels: %s)", s, strings.Join(l.names, ", "))
			}
			l.floats[i][id] = 1
		}
	}
	return l, nil
}

func labelBound(fixed []string) any {
	if fixed == nil {
		return "inf"
	}
	return len(fixed)
}

func looksMultiHot(col Column, fixed []string) (bool, error) {
	width := -1
	for i := 0; i < col.Len(); i++ {
		r, err := col.Ints(i)
		if err != nil {
			return false, fmt.Errorf("label: %w", err)
		}
		if width == -1 {
			width = len(r)
		}
		if len(r) != width || len(r) < 2 || (fixed != nil && len(r) != len(fixed)) {
			return false, nil
		}
		for _, v := range r {
			if v != 0 && v != 1 {
				return false, nil
			}
		}
	}
	return width >= 2, nil
}

// multiHotLabels reads rows that already are (possibly soft) multi-hot
// vectors; every row must have the same length.
func multiHotLabels(col Column, fixed []string) (*labels, error) {
	l := &labels{problem: MultiLabel, names: fixed, floats: make([][]float32, col.Len())}
	for i := range l.floats {
		r, err := col.Floats(i)
		if err != nil {
			return nil, fmt.Errorf("label: %w", err)
		}
		if l.names == nil {
			l.names = decimalNames(len(r))
		}
		if len(r) != len(l.names) {
			return nil, rowErr(col, i, "multi-hot label has %d entries, want %d", len(r), len(l.names))
		}
		l.floats[i] = make([]float32, len(r))
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, rowErr(col, i, "multi-hot entry %d is %v", j, v)
			}
			l.floats[i][j] = float32(v)
		}
	}
	return l, nil
}
