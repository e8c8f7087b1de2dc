package config

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		kind kind
		raw  any
		want any
		why  string
	}{
		{"float from yaml float", kindFloat, 0.5, 0.5, ""},
		{"float from yaml int", kindFloat, 3, 3.0, ""},
		{"float from string", kindFloat, "5e-5", 5e-5, ""},
		{"float from padded string", kindFloat, " 1.5 ", 1.5, ""},
		{"float rejects bool", kindFloat, true, nil, "true is not a number"},
		{"float rejects inf", kindFloat, "inf", nil, `"inf" is not a finite number`},
		{"float rejects empty", kindFloat, nil, nil, "an empty value is not a number"},
		{"float rejects map", kindFloat, map[string]any{"a": 1}, nil, "a map is not a number"},
		{"int from int", kindInt, 7, 7, ""},
		{"int from integral float", kindInt, 1000.0, 1000, ""},
		{"int from exponent string", kindInt, "1e3", 1000, ""},
		{"int from negative string", kindInt, "-1", -1, ""},
		{"int rejects fraction", kindInt, 2.5, nil, "2.5 is not an integer"},
		{"int rejects text", kindInt, "ten", nil, `"ten" is not an integer`},
		{"int rejects huge", kindInt, 1e300, nil, "1e+300 is not an integer"},
		{"int rejects bool", kindInt, false, nil, "false is not an integer"},
		{"int pointer null", kindIntPtr, nil, nil, ""},
		{"int pointer value", kindIntPtr, "3", 3, ""},
		{"bool", kindBool, true, true, ""},
		{"bool strings", kindBool, "False", false, ""},
		{"bool on", kindBool, "on", true, ""},
		{"bool rejects int", kindBool, 1, nil, "1 is not a boolean (use true or false)"},
		{"bool rejects empty", kindBool, nil, nil, "an empty value is not a boolean (use true or false)"},
		{"bool pointer null", kindBoolPtr, nil, nil, ""},
		{"string", kindString, "x", "x", ""},
		{"string null", kindString, nil, "", ""},
		{"string from number", kindString, 2024, "2024", ""},
		{"string rejects list", kindString, []any{"a"}, nil, "a list is not a string"},
		{"strings from list", kindStrings, []any{"a", " b"}, []string{"a", "b"}, ""},
		{"strings from csv", kindStrings, "a, b,,", []string{"a", "b"}, ""},
		{"strings rejects number item", kindStrings, []any{"a", 1}, nil, "list item 1 is not a string"},
		{"strings rejects number", kindStrings, 3, nil, "3 is not a string or a list of strings"},
		{"any keeps maps", kindAny, map[string]any{"a": 1}, map[string]any{"a": 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := parse(tt.kind, tt.raw)
			if why != tt.why || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parse(%v, %#v) = %#v, %q; want %#v, %q", tt.kind, tt.raw, got, why, tt.want, tt.why)
			}
		})
	}
}

func TestTextColumns(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"sentence", []string{"sentence"}},
		{"sentence1,sentence2", []string{"sentence1", "sentence2"}},
		{" question , context ,", []string{"question", "context"}},
	}
	for _, tt := range tests {
		c := Default()
		c.Data.TextColumnNames = tt.in
		if got := c.TextColumns(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("TextColumns(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
