package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// kind is the value type a key takes, as far as parsing is concerned.
type kind int

const (
	kindString  kind = iota
	kindBool         // true/false
	kindInt          // whole number
	kindFloat        // any number
	kindIntPtr       // whole number or null (Python None)
	kindBoolPtr      // boolean or null (Python None)
	kindStrings      // YAML list of strings, or one comma-separated string
)

// field is one configuration key bound to its place in Config.
type field struct {
	key    string
	kind   kind
	index  []int // reflect field path from Config
	secret bool  // redacted in Redacted
	path   bool  // a filesystem path: "~" is expanded
}

// fieldTable lists every supported key in struct order. It is derived from
// the mapstructure tags so that the struct stays the single source of truth.
func fieldTable() []field {
	var out []field
	walkFields(reflect.TypeOf(Config{}), nil, &out)
	return out
}

func walkFields(t reflect.Type, prefix []int, out *[]field) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("mapstructure")
		if tag == "-" || !sf.IsExported() {
			continue
		}
		idx := append(append([]int(nil), prefix...), i)
		if tag == ",squash" {
			walkFields(sf.Type, idx, out)
			continue
		}
		opts := sf.Tag.Get("hftrain")
		*out = append(*out, field{
			key:    tag,
			kind:   kindOf(sf.Type),
			index:  idx,
			secret: strings.Contains(opts, "secret"),
			path:   strings.Contains(opts, "path"),
		})
	}
}

func kindOf(t reflect.Type) kind {
	switch t.Kind() {
	case reflect.Bool:
		return kindBool
	case reflect.Int:
		return kindInt
	case reflect.Float64:
		return kindFloat
	case reflect.Slice:
		return kindStrings
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Bool {
			return kindBoolPtr
		}
		return kindIntPtr
	default:
		return kindString
	}
}

// get returns the field's value as a plain Go value: pointers are
// dereferenced, and nil pointers become untyped nil.
func (f field) get(c *Config) any {
	v := reflect.ValueOf(c).Elem().FieldByIndex(f.index)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		return v.Elem().Interface()
	}
	if v.Kind() == reflect.Slice {
		return append([]string(nil), v.Interface().([]string)...)
	}
	return v.Interface()
}

// set stores a value produced by parse (or read back from get) into c.
func (f field) set(c *Config, val any) error {
	v := reflect.ValueOf(c).Elem().FieldByIndex(f.index)
	if val == nil {
		v.Set(reflect.Zero(v.Type()))
		return nil
	}
	rv := reflect.ValueOf(val)
	if v.Kind() == reflect.Pointer {
		if !rv.Type().AssignableTo(v.Type().Elem()) {
			return fmt.Errorf("config: %s: internal type mismatch %s", f.key, rv.Type())
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(rv)
		v.Set(p)
		return nil
	}
	if !rv.Type().AssignableTo(v.Type()) {
		return fmt.Errorf("config: %s: internal type mismatch %s", f.key, rv.Type())
	}
	v.Set(rv)
	return nil
}

// Keys returns every key hftrain implements, sorted. Hugging Face options
// that are recognised but not implemented yet (fp16, deepspeed, ...) are not
// included: setting them is an error.
func (c *Config) Keys() []string {
	fields := fieldTable()
	keys := make([]string, 0, len(fields))
	for _, f := range fields {
		keys = append(keys, f.key)
	}
	sort.Strings(keys)
	return keys
}

// Redacted returns the resolved value of every key, suitable for logging or
// writing next to a checkpoint. Secrets such as token are replaced by
// "<redacted>" when set. Unset optional values are nil.
func (c *Config) Redacted() map[string]any {
	out := make(map[string]any)
	for _, f := range fieldTable() {
		val := f.get(c)
		if f.secret && val != "" {
			val = "<redacted>"
		}
		out[f.key] = val
	}
	return out
}

// splitList splits a comma-separated list, trimming blanks and dropping
// empty entries; nil for an empty string.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
