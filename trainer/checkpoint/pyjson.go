package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// pyEncoder writes values as Python's json.dumps(v, indent=2,
// sort_keys=True) does (ensure_ascii and allow_nan on, the defaults): floats
// in Python's repr (1.0, 5e-05, 1e+16), NaN and Infinity as bare tokens,
// non-ASCII escaped as \uXXXX, empty containers as [] and {}.
type pyEncoder struct {
	buf bytes.Buffer
}

// encode writes v at the given nesting depth.
func (e *pyEncoder) encode(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		e.buf.WriteString("null")
	case bool:
		e.buf.WriteString(strconv.FormatBool(x))
	case string:
		e.string(x)
	case json.Number:
		e.buf.WriteString(x.String()) // as read: keeps 10 and 10.0 apart
	case float64:
		e.buf.WriteString(pyFloat(x))
	case float32:
		e.buf.WriteString(pyFloat(float64(x)))
	case int:
		e.buf.WriteString(strconv.Itoa(x))
	case int64:
		e.buf.WriteString(strconv.FormatInt(x, 10))
	case int32:
		e.buf.WriteString(strconv.FormatInt(int64(x), 10))
	case uint64:
		e.buf.WriteString(strconv.FormatUint(x, 10))
	case map[string]any:
		return e.object(x, depth)
	case []any:
		return e.array(len(x), func(i int) any { return x[i] }, depth)
	case []map[string]any:
		return e.array(len(x), func(i int) any { return x[i] }, depth)
	default:
		return e.reflect(v, depth)
	}
	return nil
}

// reflect handles other maps, slices and structs by a round trip through
// encoding/json, which keeps integers as integers (json.Number).
func (e *pyEncoder) reflect(v any, depth int) error {
	rv := reflect.ValueOf(v)
	if (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice) && rv.IsNil() {
		e.buf.WriteString("null")
		return nil
	}
	if rv.Kind() == reflect.Pointer {
		return e.encode(rv.Elem().Interface(), depth)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var g any
	if err := dec.Decode(&g); err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	return e.encode(g, depth)
}

func (e *pyEncoder) newline(depth int) {
	e.buf.WriteByte('\n')
	e.buf.WriteString(strings.Repeat("  ", depth))
}

func (e *pyEncoder) object(m map[string]any, depth int) error {
	if len(m) == 0 {
		e.buf.WriteString("{}")
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // UTF-8 byte order is code-point order, as Python sorts
	e.buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.newline(depth + 1)
		e.string(k)
		e.buf.WriteString(": ")
		if err := e.encode(m[k], depth+1); err != nil {
			return err
		}
	}
	e.newline(depth)
	e.buf.WriteByte('}')
	return nil
}

func (e *pyEncoder) array(n int, at func(int) any, depth int) error {
	if n == 0 {
		e.buf.WriteString("[]")
		return nil
	}
	e.buf.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.newline(depth + 1)
		if err := e.encode(at(i), depth+1); err != nil {
			return err
		}
	}
	e.newline(depth)
	e.buf.WriteByte(']')
	return nil
}

// string writes s as Python's json with ensure_ascii=True.
func (e *pyEncoder) string(s string) {
	e.buf.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			e.buf.WriteString(`\"`)
		case r == '\\':
			e.buf.WriteString(`\\`)
		case r == '\n':
			e.buf.WriteString(`\n`)
		case r == '\r':
			e.buf.WriteString(`\r`)
		case r == '\t':
			e.buf.WriteString(`\t`)
		case r == '\b':
			e.buf.WriteString(`\b`)
		case r == '\f':
			e.buf.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff):
			fmt.Fprintf(&e.buf, `\u%04x`, r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&e.buf, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			e.buf.WriteRune(r)
		}
	}
	e.buf.WriteByte('"')
}

// pyFloat formats f as Python's float.__repr__: the shortest digits that
// round-trip, fixed notation for exponents in [-4, 16) with at least one
// decimal ("2.0"), scientific otherwise with a signed two-digit exponent
// ("5e-05", "1.5e+16"); NaN and infinities as json.dumps writes them.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// nonFiniteSentinel prefixes the string that replaces a bare NaN, Infinity
// or -Infinity token while reading Python JSON with encoding/json. Only an
// input string that itself starts with an escaped NUL and this text could be
// mistaken for it, which neither hftrain nor transformers writes.
const nonFiniteSentinel = "\x00hftrain-nonfinite:"

// quoteNonFinite rewrites the bare NaN, Infinity and -Infinity tokens that
// Python's json writes (outside strings) as sentinel strings, so that
// encoding/json can parse the text. fromSentinel turns them back.
func quoteNonFinite(b []byte) []byte {
	var out bytes.Buffer
	inString, escaped := false, false
	for i := 0; i < len(b); {
		c := b[i]
		if inString {
			out.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			i++
			continue
		}
		if c == '"' {
			inString = true
			out.WriteByte(c)
			i++
			continue
		}
		matched := false
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if bytes.HasPrefix(b[i:], []byte(tok)) {
				out.WriteString(`"\u0000hftrain-nonfinite:` + tok + `"`) // decodes to nonFiniteSentinel+tok
				i += len(tok)
				matched = true
				break
			}
		}
		if !matched {
			out.WriteByte(c)
			i++
		}
	}
	return out.Bytes()
}

// fromSentinel returns the float a sentinel string stands for.
func fromSentinel(s string) (float64, bool) {
	tok, ok := strings.CutPrefix(s, nonFiniteSentinel)
	if !ok {
		return 0, false
	}
	switch tok {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	return 0, false
}

// restoreNonFinite walks a decoded value and replaces sentinel strings by
// their float values.
func restoreNonFinite(v any) any {
	switch x := v.(type) {
	case string:
		if f, ok := fromSentinel(x); ok {
			return f
		}
	case map[string]any:
		for k, e := range x {
			x[k] = restoreNonFinite(e)
		}
	case []any:
		for i, e := range x {
			x[i] = restoreNonFinite(e)
		}
	}
	return v
}
