package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// parse converts a raw value, as YAML decoded it or as a string from the
// environment or --set, to the Go type of k. On failure it returns the
// reason, phrased to follow the value: `"fast" is not a number`.
//
// Numbers given as strings are accepted everywhere ("5e-5" is a string to
// PyYAML, and users copy such files); booleans, lists and maps are never
// numbers.
func parse(k kind, raw any) (any, string) {
	switch k {
	case kindAny:
		return raw, ""
	case kindString:
		return parseString(raw)
	case kindBool, kindBoolPtr:
		if raw == nil && k == kindBoolPtr {
			return nil, ""
		}
		return parseBool(raw)
	case kindInt, kindIntPtr:
		if raw == nil && k == kindIntPtr {
			return nil, ""
		}
		return parseInt(raw)
	case kindFloat:
		return parseFloat(raw)
	case kindStrings:
		return parseStrings(raw)
	}
	return nil, fmt.Sprintf("%s has an unknown type", describe(raw))
}

// describe renders a raw value for an error message.
func describe(raw any) string {
	switch v := raw.(type) {
	case nil:
		return "an empty value"
	case string:
		return strconv.Quote(v)
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "a map"
	default:
		return fmt.Sprint(v)
	}
}

func parseString(raw any) (any, string) {
	switch v := raw.(type) {
	case nil:
		return "", ""
	case string:
		return v, ""
	case bool, int, int64, uint64, float64:
		// model_revision: 1.0 or run_name: 2024 are meant as text.
		return fmt.Sprint(v), ""
	}
	return nil, describe(raw) + " is not a string"
}

// parseBool accepts YAML booleans and, in strings, the spellings of
// transformers' strtobool: y/yes/t/true/on/1 and n/no/f/false/off/0.
func parseBool(raw any) (any, string) {
	switch v := raw.(type) {
	case bool:
		return v, ""
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "y", "yes", "t", "true", "on", "1":
			return true, ""
		case "n", "no", "f", "false", "off", "0":
			return false, ""
		}
	}
	return nil, describe(raw) + " is not a boolean (use true or false)"
}

func parseInt(raw any) (any, string) {
	fail := describe(raw) + " is not an integer"
	var f float64
	switch v := raw.(type) {
	case int:
		return v, ""
	case int64:
		return int(v), ""
	case uint64:
		if v > math.MaxInt64 {
			return nil, fail
		}
		return int(v), ""
	case float64:
		f = v
	case string:
		s := strings.TrimSpace(v)
		if n, err := strconv.Atoi(s); err == nil {
			return n, ""
		}
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return nil, fail
		}
	default:
		return nil, fail
	}
	// 1e3 or 1000.0 are whole numbers; 0.5 is not.
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return nil, fail
	}
	return int(f), ""
}

func parseFloat(raw any) (any, string) {
	var f float64
	switch v := raw.(type) {
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case uint64:
		f = float64(v)
	case float64:
		f = v
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return nil, describe(raw) + " is not a number"
		}
	default:
		return nil, describe(raw) + " is not a number"
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, describe(raw) + " is not a finite number"
	}
	return f, ""
}

func parseStrings(raw any) (any, string) {
	switch v := raw.(type) {
	case nil:
		return []string(nil), ""
	case string:
		return splitList(v), ""
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Sprintf("list item %s is not a string", describe(item))
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, ""
	case []string:
		return append([]string(nil), v...), ""
	}
	return nil, describe(raw) + " is not a string or a list of strings"
}
