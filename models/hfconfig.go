package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// PretrainedConfig holds the config.json keys that every transformers model shares and that a
// sequence-classification head needs (transformers configuration_utils.PretrainedConfig).
// Architecture configs embed it, so its keys sit at the top level of config.json.
type PretrainedConfig struct {
	Architectures []string          `json:"architectures,omitempty"`
	ModelType     string            `json:"model_type"`
	ID2Label      map[string]string `json:"id2label,omitempty"` // string keys, as JSON has them
	Label2ID      map[string]int    `json:"label2id,omitempty"`
	// NumLabelsKey is the optional "num_labels" key: used only when id2label is absent, as
	// PretrainedConfig.__init__ does, and never written back (id2label implies it).
	NumLabelsKey        int     `json:"num_labels,omitempty"`
	ProblemType         *string `json:"problem_type"` // null = infer from the labels
	TorchDType          string  `json:"torch_dtype,omitempty"`
	TransformersVersion string  `json:"transformers_version,omitempty"`

	// Extra holds the config.json keys the config has no field for; Save writes them back.
	Extra map[string]json.RawMessage `json:"-"`
}

// Base returns c itself, so that architecture configs embedding it satisfy Config.
func (c *PretrainedConfig) Base() *PretrainedConfig { return c }

// Config is an architecture config: a struct embedding PretrainedConfig, decoded from and
// encoded to config.json.
type Config interface {
	Base() *PretrainedConfig
	// Validate checks the values, naming the field of the first bad one.
	Validate() error
}

// PrepareConfig decodes config.json data into cfg (which holds the architecture's defaults;
// nil data keeps them), applies o.ConfigOverrides and o's head options, and validates the
// result. labelsChanged reports that the number of labels differs from the file's.
func PrepareConfig(data []byte, cfg Config, o Options) (labelsChanged bool, err error) {
	base := cfg.Base()
	if data != nil {
		// json.Unmarshal merges into existing maps: the default labels must not survive.
		base.ID2Label, base.Label2ID = nil, nil
		extra, err := DecodeConfig(data, cfg)
		if err != nil {
			return false, err
		}
		base.Extra = extra
		if len(base.ID2Label) > 0 {
			base.NumLabelsKey = 0 // id2label wins over a stale num_labels, as in transformers
		}
	}
	if base.Extra == nil {
		base.Extra = map[string]json.RawMessage{}
	}
	if err := base.Normalize(); err != nil {
		return false, err
	}
	before := base.NumLabels()
	if err := ApplyOverrides(cfg, base.Extra, o.ConfigOverrides); err != nil {
		return false, err
	}
	if err := base.ApplyHead(o); err != nil {
		return false, err
	}
	if err := cfg.Validate(); err != nil {
		return false, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	return base.NumLabels() != before, nil
}

// MarshalConfig renders cfg as config.json: its fields, then the extra keys it carried.
func MarshalConfig(cfg Config) ([]byte, error) { return EncodeConfig(cfg, cfg.Base().Extra) }

// Labels returns id2label with integer keys; it fails on a key that is not an integer.
func (c *PretrainedConfig) Labels() (map[int]string, error) {
	m := make(map[int]string, len(c.ID2Label))
	for k, v := range c.ID2Label {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("%w: id2label key %q is not a label id", ErrBadConfig, k)
		}
		m[i] = v
	}
	return m, nil
}

// HeadInfo is the part of a sequence classifier's Info that the config's head fields give:
// modelType and architecture as named, then num_labels, problem_type and id2label. The
// architecture fills in the sizes (MaxPositions, PadTokenID, VocabSize).
func (c *PretrainedConfig) HeadInfo(modelType, architecture string) Info {
	labels, _ := c.Labels() // validated when the config was prepared
	return Info{
		ModelType:    modelType,
		Architecture: architecture,
		NumLabels:    c.NumLabels(),
		ProblemType:  c.Problem(),
		ID2Label:     labels,
	}
}

// SetLabels replaces id2label and label2id from an id -> name map.
func (c *PretrainedConfig) SetLabels(m map[int]string) {
	c.ID2Label = make(map[string]string, len(m))
	c.Label2ID = make(map[string]int, len(m))
	for i, name := range m {
		c.ID2Label[strconv.Itoa(i)] = name
		c.Label2ID[name] = i
	}
	c.NumLabelsKey = 0
}

// NumLabels is len(id2label), as transformers defines it.
func (c *PretrainedConfig) NumLabels() int { return len(c.ID2Label) }

// Problem returns problem_type, "" when null.
func (c *PretrainedConfig) Problem() string {
	if c.ProblemType == nil {
		return ""
	}
	return *c.ProblemType
}

// SetProblem sets problem_type; "" writes null.
func (c *PretrainedConfig) SetProblem(p string) {
	if p == "" {
		c.ProblemType = nil
		return
	}
	c.ProblemType = &p
}

// Normalize applies PretrainedConfig.__init__'s label rules: a num_labels key without id2label
// (or disagreeing with it) makes LABEL_i names, no labels at all means two; label ids must be
// 0..n-1. It also checks problem_type.
func (c *PretrainedConfig) Normalize() error {
	if c.NumLabelsKey < 0 {
		return fmt.Errorf("%w: num_labels %d", ErrBadConfig, c.NumLabelsKey)
	}
	if c.NumLabelsKey > 0 && c.NumLabelsKey != len(c.ID2Label) {
		c.SetLabels(DefaultLabels(c.NumLabelsKey))
	}
	if len(c.ID2Label) == 0 {
		c.SetLabels(DefaultLabels(2))
	}
	labels, err := c.Labels()
	if err != nil {
		return err
	}
	for i := range len(labels) {
		if _, ok := labels[i]; !ok {
			return fmt.Errorf("%w: id2label lacks id %d of %d labels", ErrBadConfig, i, len(labels))
		}
	}
	c.SetLabels(labels) // rebuild label2id so that it agrees with id2label
	if !ValidProblemType(c.Problem()) {
		return fmt.Errorf("%w: problem_type %q is not one of %s, %s, %s",
			ErrBadConfig, c.Problem(), Regression, SingleLabel, MultiLabel)
	}
	return nil
}

// ApplyHead applies the head overrides of o (labels, problem type) to c.
func (c *PretrainedConfig) ApplyHead(o Options) error {
	switch {
	case o.ID2Label != nil:
		c.SetLabels(o.ID2Label)
	case o.NumLabels > 0 && o.NumLabels != c.NumLabels():
		c.SetLabels(DefaultLabels(o.NumLabels))
	case o.NumLabels < 0:
		return fmt.Errorf("%w: NumLabels %d", ErrBadConfig, o.NumLabels)
	}
	if o.ProblemType != "" {
		c.SetProblem(o.ProblemType)
	}
	return c.Normalize()
}

// DecodeConfig decodes config.json into cfg (a pointer to a struct already holding the
// defaults) and returns the keys cfg has no field for, so that they can be written back.
func DecodeConfig(data []byte, cfg any) (map[string]json.RawMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	if err := json.Unmarshal(data, cfg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	known := jsonFields(reflect.ValueOf(cfg).Elem())
	extra := map[string]json.RawMessage{}
	for k, v := range raw {
		if _, ok := known[k]; !ok {
			extra[k] = v
		}
	}
	return extra, nil
}

// EncodeConfig writes cfg and the extra keys as indented JSON with sorted keys; cfg's own
// fields win over extra keys of the same name.
func EncodeConfig(cfg any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	for k, v := range extra {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return append(out, '\n'), nil
}

// ApplyOverrides applies run_clm's "k=v,k=v" overrides to cfg (a pointer to a config struct),
// parsing each value by the type of the field it sets (Python's None/True/False accepted).
// Keys of extra (config.json keys without a field) may be overridden too, and a config with an
// AttributeMap() method (transformers' attribute_map, e.g. DistilBERT's hidden_size -> dim)
// accepts the aliases; any other key is an ErrUnknownConfigKey error naming the closest known
// key.
func ApplyOverrides(cfg any, extra map[string]json.RawMessage, overrides string) error {
	pairs, err := ParseOverrides(overrides)
	if err != nil {
		return err
	}
	fields := jsonFields(reflect.ValueOf(cfg).Elem())
	var aliases map[string]string
	if am, ok := cfg.(interface{ AttributeMap() map[string]string }); ok {
		aliases = am.AttributeMap()
	}
	for _, kv := range pairs {
		k, v := kv[0], kv[1]
		if a, ok := aliases[k]; ok {
			k = a
		}
		f, ok := fields[k]
		if !ok {
			if old, ok := extra[k]; ok {
				extra[k] = overrideRaw(old, v)
				continue
			}
			return fmt.Errorf("config overrides: %w %q (did you mean %q?)", ErrUnknownConfigKey, k, closest(k, fields))
		}
		if err := setField(f, v); err != nil {
			return fmt.Errorf("config overrides: %s=%s: %w", k, v, err)
		}
	}
	return nil
}

// jsonFields maps each JSON key to its settable field, descending into embedded structs.
func jsonFields(v reflect.Value) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
			for k, f := range jsonFields(v.Field(i)) {
				if _, ok := out[k]; !ok {
					out[k] = f
				}
			}
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out[name] = v.Field(i)
	}
	return out
}

func isNone(s string) bool { return s == "None" || s == "null" }

// setField parses s into f by f's kind.
func setField(f reflect.Value, s string) error {
	if f.Kind() == reflect.Pointer {
		if isNone(s) {
			f.Set(reflect.Zero(f.Type()))
			return nil
		}
		p := reflect.New(f.Type().Elem())
		if err := setField(p.Elem(), s); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		f.SetInt(n)
	case reflect.Float64, reflect.Float32:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		f.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.ToLower(s))
		if err != nil {
			return fmt.Errorf("not a boolean")
		}
		f.SetBool(b)
	default:
		return fmt.Errorf("a %s cannot be set from a string", f.Type())
	}
	return nil
}

// overrideRaw turns an override value for a key without a field into JSON: a string stays a
// string when the old value was one, otherwise valid JSON literals are kept as they are.
func overrideRaw(old json.RawMessage, v string) json.RawMessage {
	switch {
	case isNone(v):
		return json.RawMessage("null")
	case v == "True" || v == "False":
		return json.RawMessage(strings.ToLower(v))
	}
	if len(old) == 0 || old[0] != '"' {
		if json.Valid([]byte(v)) {
			return json.RawMessage(v)
		}
	}
	b, _ := json.Marshal(v) // marshalling a string cannot fail
	return b
}

// closest returns the known key with the smallest edit distance to k.
func closest(k string, fields map[string]reflect.Value) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	best, bestD := "", -1
	for _, n := range names {
		if d := editDistance(k, n); bestD < 0 || d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// MarshalForSave renders c as config.json the way save_pretrained writes it for architecture
// arch: architectures, torch_dtype "float32" and this package's transformers_version set.
func MarshalForSave(c Config, arch string) ([]byte, error) {
	b := c.Base()
	b.Architectures = []string{arch}
	b.TorchDType = "float32"
	b.TransformersVersion = TransformersVersion
	return MarshalConfig(c)
}

// FieldErrors collects config validation errors, each naming its config.json field.
type FieldErrors []error

// Positive records an error unless v > 0.
func (e *FieldErrors) Positive(name string, v int) {
	if v <= 0 {
		*e = append(*e, fmt.Errorf("%s must be positive, got %d", name, v))
	}
}

// Probability records an error unless v is in [0, 1).
func (e *FieldErrors) Probability(name string, v float64) {
	if v < 0 || v >= 1 {
		*e = append(*e, fmt.Errorf("%s must be in [0,1), got %g", name, v))
	}
}

// NonNegative records an error unless v >= 0.
func (e *FieldErrors) NonNegative(name string, v float64) {
	if v < 0 {
		*e = append(*e, fmt.Errorf("%s must not be negative, got %g", name, v))
	}
}

// TokenID records an error unless id is a row of a vocabulary of vocabSize tokens.
func (e *FieldErrors) TokenID(name string, id, vocabSize int) {
	if id < 0 || id >= vocabSize {
		*e = append(*e, fmt.Errorf("%s %d outside the vocabulary of %d", name, id, vocabSize))
	}
}

// Check records fmt.Errorf(format, args...) unless ok.
func (e *FieldErrors) Check(ok bool, format string, args ...any) {
	if !ok {
		*e = append(*e, fmt.Errorf(format, args...))
	}
}

// Err joins the recorded errors; nil when there are none.
func (e FieldErrors) Err() error { return errors.Join(e...) }
