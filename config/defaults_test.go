package config

import (
	"os"
	"reflect"
	"sort"
	"testing"

	"go.yaml.in/yaml/v3"
)

// hfDefaults is testdata/hf_defaults.yaml: the Hugging Face dataclass
// defaults, transcribed from the transformers sources it cites.
type hfDefaults struct {
	TrainingArguments map[string]any `yaml:"training_arguments"`
	RunClassification map[string]any `yaml:"run_classification"`
	RunCLM            map[string]any `yaml:"run_clm"`
	HftrainDiffers    map[string]any `yaml:"hftrain_differs"`
}

// zeroOf is the value hftrain uses for Python's None in a field of kind k.
func zeroOf(k kind) any {
	switch k {
	case kindString:
		return ""
	case kindBool:
		return false
	case kindInt:
		return 0
	case kindFloat:
		return 0.0
	case kindStrings:
		return []string{}
	}
	return nil
}

// TestDefaultsMatchHuggingFace checks every Hugging Face key against
// hftrain: a key hftrain implements must default to the Hugging Face value
// (None maps to the documented zero value), an unsupported key must accept
// its Hugging Face default, and no Hugging Face key may be unknown.
func TestDefaultsMatchHuggingFace(t *testing.T) {
	b, err := os.ReadFile("testdata/hf_defaults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hf hfDefaults
	if err := yaml.Unmarshal(b, &hf); err != nil {
		t.Fatal(err)
	}
	if len(hf.TrainingArguments) < 100 || len(hf.RunClassification) < 30 {
		t.Fatalf("golden looks truncated: %d TrainingArguments keys", len(hf.TrainingArguments))
	}
	def := Default()
	got := def.Redacted()
	fields := map[string]field{}
	for _, f := range fieldTable() {
		fields[f.key] = f
	}
	unsup := map[string]unsupported{}
	for _, u := range unsupportedOptions() {
		unsup[u.key] = u
	}
	seen := map[string]bool{}
	for section, table := range map[string]map[string]any{
		"training_arguments": hf.TrainingArguments, "run_classification": hf.RunClassification, "run_clm": hf.RunCLM,
	} {
		for key, hfVal := range table {
			seen[key] = true
			want := hfVal
			if d, ok := hf.HftrainDiffers[key]; ok {
				want = d
			}
			if f, ok := fields[key]; ok {
				var wantVal any
				if want == nil {
					wantVal = zeroOf(f.kind)
				} else {
					var why string
					if wantVal, why = parse(f.kind, want); why != "" {
						t.Errorf("%s.%s: golden value %s", section, key, why)
						continue
					}
				}
				gotVal := got[key]
				if l, ok := gotVal.([]string); ok && len(l) == 0 {
					gotVal = []string{}
				}
				if !reflect.DeepEqual(gotVal, wantVal) {
					t.Errorf("%s.%s: hftrain default %#v, Hugging Face %#v", section, key, gotVal, wantVal)
				}
				continue
			}
			if u, ok := unsup[key]; ok {
				val, why := parse(u.kind, want)
				if why != "" || !u.isAllowed(val) {
					t.Errorf("%s.%s: unsupported option rejects its Hugging Face default %#v (%s)", section, key, want, why)
				}
				continue
			}
			t.Errorf("%s.%s: Hugging Face key unknown to hftrain", section, key)
		}
	}
	// hftrain-only keys must be declared, so a typo in a tag cannot hide.
	var own []string
	for key := range fields {
		if !seen[key] {
			own = append(own, key)
		}
	}
	sort.Strings(own)
	wantOwn := []string{"early_stopping_patience", "early_stopping_threshold", "num_threads", "overwrite_output_dir", "shuffle", "task"}
	if !reflect.DeepEqual(own, wantOwn) {
		t.Errorf("keys not in the Hugging Face golden: %q, want %q", own, wantOwn)
	}
}

// TestUnsupportedTable keeps the table well formed: no key both supported
// and unsupported, no duplicates, and the first allowed value parses as the
// entry's kind.
func TestUnsupportedTable(t *testing.T) {
	fields := map[string]bool{}
	for _, f := range fieldTable() {
		fields[f.key] = true
	}
	seen := map[string]bool{}
	for _, u := range unsupportedOptions() {
		if fields[u.key] {
			t.Errorf("%s is both a Config field and unsupported", u.key)
		}
		if seen[u.key] {
			t.Errorf("%s listed twice", u.key)
		}
		seen[u.key] = true
		for _, a := range u.allowed {
			if v, why := parse(u.kind, a); why != "" || v != a {
				t.Errorf("%s: allowed value %#v does not round-trip (%s)", u.key, a, why)
			}
		}
	}
}
