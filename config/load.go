package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Sentinel errors wrapped by every error Load and Validate return, so callers
// can tell a typo from an unimplemented option from a bad value.
var (
	// ErrUnknownKey marks a key that is neither an hftrain key nor a known
	// Hugging Face option.
	ErrUnknownKey = errors.New("config: unknown key")
	// ErrUnsupported marks a Hugging Face option or value that hftrain
	// recognises but does not implement yet.
	ErrUnsupported = errors.New("config: not supported yet")
	// ErrInvalid marks a value of the wrong type or out of range.
	ErrInvalid = errors.New("config: invalid value")
)

// keyError is an error with a finished message that unwraps to a sentinel.
type keyError struct {
	msg  string
	kind error
}

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &keyError{msg: "config: " + fmt.Sprintf(format, args...), kind: kind}
}

// EnvPrefix starts every environment variable that sets a key:
// HFTRAIN_LEARNING_RATE=3e-5 sets learning_rate.
const EnvPrefix = "HFTRAIN_"

// EnvConfig is the environment variable cmd/hftrain reads a config file path
// from. Load skips it rather than treating it as a key.
const EnvConfig = "HFTRAIN_CONFIG"

// EnvFaultInject names a checkpoint-write stage at which cmd/hftrain kills itself with SIGKILL,
// for the crash-safety tests. It is not a configuration key.
const EnvFaultInject = "HFTRAIN_FAULT_INJECT"

// reservedEnv lists HFTRAIN_ variables that are not configuration keys.
func reservedEnv() []string { return []string{EnvConfig, EnvFaultInject} }

// entry is one key=value as given by one source.
type entry struct {
	key string // lower case
	raw any    // as YAML decoded it, or a string
	src string // "finetune.yaml", "HFTRAIN_SEED" or "--set"
	env bool   // src is an environment variable
}

// Load builds a Config from Default, then the YAML file at path ("" for
// none), then the HFTRAIN_* variables in env (as os.Environ returns them),
// then sets ("key=value", as given to --set), each overriding the previous;
// then fills derived values as transformers does (eval_steps from
// logging_steps, do_eval from eval_strategy, metric_for_best_model and
// greater_is_better) and runs Validate.
//
// Keys use Hugging Face names in one flat namespace. Relative paths are kept
// as written and so resolve against the current directory when used, like
// the transformers scripts; a leading "~/" is expanded to $HOME.
//
// All problems found are returned together, joined; each wraps ErrUnknownKey,
// ErrUnsupported or ErrInvalid.
func Load(path string, env []string, sets []string) (*Config, error) {
	var layers [][]entry
	if path != "" {
		file, err := readFile(path)
		if err != nil {
			return nil, err
		}
		layers = append(layers, file)
	}
	layers = append(layers, envEntries(env))
	set, err := setEntries(sets)
	if err != nil {
		return nil, err
	}
	layers = append(layers, set)

	cfg := Default()
	fields := fieldTable()
	v := viper.New()
	for _, f := range fields {
		v.SetDefault(f.key, f.get(&cfg))
	}
	home := homeDir(env)
	var errs []error
	for i, layer := range layers {
		typed, notes, lerrs := checkLayer(layer, home)
		errs = append(errs, lerrs...)
		cfg.Notes = append(cfg.Notes, notes...)
		if i == 0 && path != "" {
			if err := v.MergeConfigMap(typed); err != nil {
				return nil, fmt.Errorf("config: %s: %w", path, err)
			}
			continue
		}
		for k, val := range typed {
			v.Set(k, val)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, f := range fields {
		if err := f.set(&cfg, v.Get(f.key)); err != nil {
			return nil, err
		}
	}
	cfg.Notes = append(cfg.Notes, cfg.resolve()...)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// readFile reads the top-level keys of a YAML config file. It decodes with
// the YAML library viper uses, but directly: viper silently drops keys whose
// value is null or an empty map, and an unknown key must never go unnoticed.
func readFile(path string) ([]entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var settings map[string]any
	if err := yaml.Unmarshal(b, &settings); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]entry, 0, len(keys))
	for _, k := range keys {
		out = append(out, entry{key: k, raw: settings[k], src: path})
	}
	return out, nil
}

// envEntries picks the HFTRAIN_* variables out of env. When a variable is
// listed twice the later one wins, as in a shell.
func envEntries(env []string) []entry {
	reserved := reservedEnv()
	byName := map[string]int{}
	var out []entry
	for _, kv := range env {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || contains(reserved, name) {
			continue
		}
		e := entry{key: strings.ToLower(strings.TrimPrefix(name, EnvPrefix)), raw: val, src: name, env: true}
		if i, dup := byName[name]; dup {
			out[i] = e
			continue
		}
		byName[name] = len(out)
		out = append(out, e)
	}
	return out
}

// setEntries parses --set key=value pairs.
func setEntries(sets []string) ([]entry, error) {
	var out []entry
	for _, s := range sets {
		k, val, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, errorf(ErrInvalid, "--set %q: want key=value", s)
		}
		out = append(out, entry{key: k, raw: val, src: "--set"})
	}
	return out, nil
}

// layerCheck type-checks the entries of one source.
type layerCheck struct {
	layer  []entry
	home   string
	fields map[string]field
	unsup  map[string]unsupported

	typed map[string]any // converted values by canonical key
	notes []string
	errs  []error
}

// checkLayer type-checks one source's entries and returns them converted,
// keyed by canonical key, plus notes and every problem found.
func checkLayer(layer []entry, home string) (map[string]any, []string, []error) {
	lc := &layerCheck{layer: layer, home: home, fields: map[string]field{}, unsup: map[string]unsupported{}, typed: map[string]any{}}
	for _, f := range fieldTable() {
		lc.fields[f.key] = f
	}
	for _, u := range unsupportedOptions() {
		lc.unsup[u.key] = u
	}
	for _, e := range layer {
		lc.entry(e)
	}
	return lc.typed, lc.notes, lc.errs
}

func (lc *layerCheck) fail(kind error, format string, args ...any) {
	lc.errs = append(lc.errs, errorf(kind, format, args...))
}

func (lc *layerCheck) entry(e entry) {
	key := e.key
	if key == deprecatedEvalStrategy {
		if hasKey(lc.layer, "eval_strategy") {
			lc.fail(ErrInvalid, "both eval_strategy and its deprecated alias evaluation_strategy are set in %s", e.src)
			return
		}
		lc.notes = append(lc.notes, fmt.Sprintf("%s (from %s) is deprecated in transformers; use eval_strategy", key, e.src))
		key = "eval_strategy"
	}
	if r, ok := stepRatio(key, e.raw); ok {
		lc.ratio(key, r, e)
		return
	}
	if f, ok := lc.fields[key]; ok {
		val, why := parse(f.kind, e.raw)
		if why != "" {
			lc.fail(ErrInvalid, "%s: %s (from %s)", key, why, e.src)
			return
		}
		if s, ok := val.(string); ok && f.path {
			val = expandHome(s, lc.home)
		}
		lc.typed[key] = val
		return
	}
	if u, ok := lc.unsup[key]; ok {
		val, why := parse(u.kind, e.raw)
		switch {
		case why != "":
			lc.fail(ErrInvalid, "%s: %s (from %s)", key, why, e.src)
		case !u.isAllowed(val):
			lc.fail(ErrUnsupported, "%s is a Hugging Face %s option that hftrain does not support yet (from %s)", key, u.origin, e.src)
		}
		return
	}
	lc.errs = append(lc.errs, unknownKey(e))
}

// stepRatio reports whether raw is a fraction in (0, 1) given for a step
// count: transformers reads such values as a ratio of the total steps.
func stepRatio(key string, raw any) (float64, bool) {
	switch key {
	case "warmup_steps", "logging_steps", "eval_steps", "save_steps":
	default:
		return 0, false
	}
	v, why := parseFloat(raw)
	if why != "" {
		return 0, false
	}
	r := v.(float64)
	return r, r > 0 && r < 1
}

// ratio handles a step count given as a ratio: warmup_steps: 0.1 is
// warmup_ratio: 0.1 (transformers v5 deprecates warmup_ratio in favour of
// exactly this); ratios for the other step counts are not supported yet.
func (lc *layerCheck) ratio(key string, r float64, e entry) {
	if key != "warmup_steps" {
		lc.fail(ErrUnsupported, "%s: %g is a ratio of the total steps, which hftrain does not support yet; give a number of steps (from %s)", key, r, e.src)
		return
	}
	if hasKey(lc.layer, "warmup_ratio") {
		lc.fail(ErrInvalid, "both warmup_steps %g (a ratio) and warmup_ratio are set in %s", r, e.src)
		return
	}
	lc.notes = append(lc.notes, fmt.Sprintf("warmup_steps %g (from %s) is a ratio of the total steps; using warmup_ratio %g", r, e.src, r))
	lc.typed["warmup_ratio"] = r
}

// deprecatedEvalStrategy is transformers' old name for eval_strategy.
const deprecatedEvalStrategy = "evaluation_strategy"

func unknownKey(e entry) error {
	guess := suggest(e.key, knownNames())
	if e.env {
		if guess == "" {
			return errorf(ErrUnknownKey, "unknown environment variable %s", e.src)
		}
		return errorf(ErrUnknownKey, "unknown environment variable %s (did you mean %s?)", e.src, EnvPrefix+strings.ToUpper(guess))
	}
	if guess == "" {
		return errorf(ErrUnknownKey, "unknown key %q in %s", e.key, e.src)
	}
	return errorf(ErrUnknownKey, "unknown key %q in %s (did you mean %q?)", e.key, e.src, guess)
}

// knownNames is every key Load accepts: hftrain's, the unsupported Hugging
// Face options, and deprecated aliases.
func knownNames() []string {
	var names []string
	for _, f := range fieldTable() {
		names = append(names, f.key)
	}
	for _, u := range unsupportedOptions() {
		names = append(names, u.key)
	}
	return append(names, deprecatedEvalStrategy)
}

func hasKey(layer []entry, key string) bool {
	for _, e := range layer {
		if e.key == key {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// homeDir returns $HOME from env, falling back to the process's home.
func homeDir(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if h, ok := strings.CutPrefix(env[i], "HOME="); ok && h != "" {
			return h
		}
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return h
}

// expandHome expands a leading "~" or "~/" (as transformers does for
// output_dir with os.path.expanduser); "~user" is left alone.
func expandHome(p, home string) string {
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}
