package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// TrainerStateName is the file name of the trainer state in a checkpoint,
// transformers' TRAINER_STATE_NAME.
const TrainerStateName = "trainer_state.json"

// TrainerState mirrors transformers' TrainerState dataclass
// (src/transformers/trainer_callback.py), field for field and key for key,
// because transformers builds its TrainerState from every key of the file
// and fails on any it does not know. Pointer and nil fields are written as
// null, as the Python defaults are None.
type TrainerState struct {
	// Epoch is the fractional epoch (null before training).
	Epoch *float64 `json:"epoch"`
	// GlobalStep is the number of optimizer updates done.
	GlobalStep int `json:"global_step"`
	// MaxSteps is the number of updates planned for the run.
	MaxSteps int `json:"max_steps"`
	// LoggingSteps, EvalSteps and SaveSteps are the absolute intervals
	// (default 500 each, see NewTrainerState).
	LoggingSteps int `json:"logging_steps"`
	// EvalSteps: see LoggingSteps.
	EvalSteps int `json:"eval_steps"`
	// SaveSteps: see LoggingSteps.
	SaveSteps int `json:"save_steps"`
	// TrainBatchSize is the per-device batch size actually used (null when unset).
	TrainBatchSize *int `json:"train_batch_size"`
	// NumTrainEpochs is the number of epochs planned.
	NumTrainEpochs int `json:"num_train_epochs"`
	// NumInputTokensSeen counts input tokens when that is enabled.
	NumInputTokensSeen int64 `json:"num_input_tokens_seen"`
	// TotalFlos is the accumulated floating-point operation count: written
	// as a Python float, except 0, which is written "0" as the dataclass
	// default is.
	TotalFlos float64 `json:"total_flos"`
	// LogHistory holds every log() call: float values (float64) are written
	// as Python floats ("2.0"), integer values (int, int64, json.Number
	// without a dot) as integers, so "step" must be an integer type.
	LogHistory []map[string]any `json:"log_history"`
	// BestMetric is the best value of metric_for_best_model so far.
	BestMetric *float64 `json:"best_metric"`
	// BestGlobalStep is the step at which BestMetric was reached.
	BestGlobalStep *int `json:"best_global_step"`
	// BestModelCheckpoint is the path of the best checkpoint, as
	// transformers writes it ("out/checkpoint-500").
	BestModelCheckpoint *string `json:"best_model_checkpoint"`
	// IsLocalProcessZero and IsWorldProcessZero default to true.
	IsLocalProcessZero bool `json:"is_local_process_zero"`
	// IsWorldProcessZero: see IsLocalProcessZero.
	IsWorldProcessZero bool `json:"is_world_process_zero"`
	// IsHyperParamSearch is true during a hyperparameter search.
	IsHyperParamSearch bool `json:"is_hyper_param_search"`
	// TrialName names the hyperparameter-search trial (null otherwise).
	TrialName *string `json:"trial_name"`
	// TrialParams are the trial's hyperparameters (null otherwise).
	TrialParams map[string]any `json:"trial_params"`
	// StatefulCallbacks maps a callback class name to {"args": …,
	// "attributes": …} (or a list of those); written as {} when nil.
	StatefulCallbacks map[string]any `json:"stateful_callbacks"`
}

// NewTrainerState returns a TrainerState holding the dataclass defaults:
// logging/eval/save steps 500, both process-zero flags true, empty log
// history and callbacks.
func NewTrainerState() *TrainerState {
	return &TrainerState{
		LoggingSteps:       500,
		EvalSteps:          500,
		SaveSteps:          500,
		LogHistory:         []map[string]any{},
		IsLocalProcessZero: true,
		IsWorldProcessZero: true,
		StatefulCallbacks:  map[string]any{},
	}
}

// fields returns the state as the dict that dataclasses.asdict builds.
func (s *TrainerState) fields() map[string]any {
	ptr := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	intPtr := func(p *int) any {
		if p == nil {
			return nil
		}
		return *p
	}
	strPtr := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	logs := make([]any, len(s.LogHistory))
	for i, m := range s.LogHistory {
		logs[i] = m
	}
	var trial any
	if s.TrialParams != nil {
		trial = s.TrialParams
	}
	callbacks := s.StatefulCallbacks
	if callbacks == nil {
		callbacks = map[string]any{}
	}
	return map[string]any{
		"epoch":                 ptr(s.Epoch),
		"global_step":           s.GlobalStep,
		"max_steps":             s.MaxSteps,
		"logging_steps":         s.LoggingSteps,
		"eval_steps":            s.EvalSteps,
		"save_steps":            s.SaveSteps,
		"train_batch_size":      intPtr(s.TrainBatchSize),
		"num_train_epochs":      s.NumTrainEpochs,
		"num_input_tokens_seen": s.NumInputTokensSeen,
		"total_flos":            flos(s.TotalFlos),
		"log_history":           logs,
		"best_metric":           ptr(s.BestMetric),
		"best_global_step":      intPtr(s.BestGlobalStep),
		"best_model_checkpoint": strPtr(s.BestModelCheckpoint),
		"is_local_process_zero": s.IsLocalProcessZero,
		"is_world_process_zero": s.IsWorldProcessZero,
		"is_hyper_param_search": s.IsHyperParamSearch,
		"trial_name":            strPtr(s.TrialName),
		"trial_params":          trial,
		"stateful_callbacks":    callbacks,
	}
}

// flos returns total_flos as transformers holds it: the dataclass default is
// the integer 0 (written "0"), and once FLOPs are added it is a float.
func flos(f float64) any {
	if f == 0 && !math.Signbit(f) {
		return 0
	}
	return f
}

// MarshalTrainerState returns the bytes that transformers'
// TrainerState.save_to_json writes: json.dumps(asdict(state), indent=2,
// sort_keys=True) + "\n".
func MarshalTrainerState(s *TrainerState) ([]byte, error) {
	var e pyEncoder
	if err := e.encode(s.fields(), 0); err != nil {
		return nil, fmt.Errorf("checkpoint: trainer state: %w", err)
	}
	e.buf.WriteByte('\n')
	return e.buf.Bytes(), nil
}

// WriteTrainerState writes s to path as transformers does (see
// MarshalTrainerState), atomically and fsynced.
func WriteTrainerState(path string, s *TrainerState) error {
	b, err := MarshalTrainerState(s)
	if err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	if err := writeFileAtomic(path, b); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return nil
}

// ReadTrainerState reads a trainer_state.json written by hftrain or by
// transformers. Keys it does not know (from another transformers version)
// are ignored; they are not written back. NaN and Infinity (as Python
// writes them) are accepted; numbers in log_history and the callbacks are
// kept as json.Number so that writing them back reproduces them exactly.
func ReadTrainerState(path string) (*TrainerState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	s, err := UnmarshalTrainerState(b)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return s, nil
}

// UnmarshalTrainerState decodes trainer_state.json bytes (see ReadTrainerState).
func UnmarshalTrainerState(b []byte) (*TrainerState, error) {
	dec := json.NewDecoder(bytes.NewReader(quoteNonFinite(b)))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode trainer state: %w", err)
	}
	if raw == nil {
		return nil, fmt.Errorf("decode trainer state: not a JSON object")
	}
	restoreNonFinite(raw)
	s := NewTrainerState()
	d := stateDecoder{raw: raw}
	s.Epoch = d.floatPtr("epoch")
	d.intField("global_step", &s.GlobalStep)
	d.intField("max_steps", &s.MaxSteps)
	d.intField("logging_steps", &s.LoggingSteps)
	d.intField("eval_steps", &s.EvalSteps)
	d.intField("save_steps", &s.SaveSteps)
	s.TrainBatchSize = d.intPtr("train_batch_size")
	d.intField("num_train_epochs", &s.NumTrainEpochs)
	var tokens int
	d.intField("num_input_tokens_seen", &tokens)
	s.NumInputTokensSeen = int64(tokens)
	if f := d.floatPtr("total_flos"); f != nil {
		s.TotalFlos = *f
	}
	s.LogHistory = d.logHistory()
	s.BestMetric = d.floatPtr("best_metric")
	s.BestGlobalStep = d.intPtr("best_global_step")
	s.BestModelCheckpoint = d.strPtr("best_model_checkpoint")
	d.boolField("is_local_process_zero", &s.IsLocalProcessZero)
	d.boolField("is_world_process_zero", &s.IsWorldProcessZero)
	d.boolField("is_hyper_param_search", &s.IsHyperParamSearch)
	s.TrialName = d.strPtr("trial_name")
	s.TrialParams = d.object("trial_params", nil)
	s.StatefulCallbacks = d.object("stateful_callbacks", map[string]any{})
	if d.err != nil {
		return nil, d.err
	}
	return s, nil
}

// stateDecoder reads typed fields out of a decoded JSON object, keeping the
// first error (naming the key).
type stateDecoder struct {
	raw map[string]any
	err error
}

func (d *stateDecoder) fail(key, want string, v any) {
	if d.err == nil {
		d.err = fmt.Errorf("decode trainer state: %q: want %s, got %v (%T)", key, want, v, v)
	}
}

func (d *stateDecoder) number(key string) (float64, bool) {
	v, ok := d.raw[key]
	if !ok || v == nil {
		return 0, false
	}
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err == nil {
			return f, true
		}
	case float64: // NaN or an infinity
		return x, true
	}
	d.fail(key, "a number", v)
	return 0, false
}

func (d *stateDecoder) floatPtr(key string) *float64 {
	if f, ok := d.number(key); ok {
		return &f
	}
	return nil
}

func (d *stateDecoder) intPtr(key string) *int {
	f, ok := d.number(key)
	if !ok {
		return nil
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		d.fail(key, "an integer", d.raw[key])
		return nil
	}
	n := int(f)
	return &n
}

// intField sets *dst when key is present and not null; a missing key keeps
// the dataclass default already in *dst.
func (d *stateDecoder) intField(key string, dst *int) {
	if p := d.intPtr(key); p != nil {
		*dst = *p
	}
}

func (d *stateDecoder) boolField(key string, dst *bool) {
	v, ok := d.raw[key]
	if !ok || v == nil {
		return
	}
	b, ok := v.(bool)
	if !ok {
		d.fail(key, "a boolean", v)
		return
	}
	*dst = b
}

func (d *stateDecoder) strPtr(key string) *string {
	v, ok := d.raw[key]
	if !ok || v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		d.fail(key, "a string", v)
		return nil
	}
	return &s
}

func (d *stateDecoder) object(key string, def map[string]any) map[string]any {
	v, ok := d.raw[key]
	if !ok || v == nil {
		return def
	}
	m, ok := v.(map[string]any)
	if !ok {
		d.fail(key, "an object", v)
		return def
	}
	return m
}

func (d *stateDecoder) logHistory() []map[string]any {
	v, ok := d.raw["log_history"]
	if !ok || v == nil {
		return []map[string]any{}
	}
	list, ok := v.([]any)
	if !ok {
		d.fail("log_history", "a list", v)
		return nil
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			d.fail(fmt.Sprintf("log_history[%d]", i), "an object", e)
			return nil
		}
		out[i] = m
	}
	return out
}
