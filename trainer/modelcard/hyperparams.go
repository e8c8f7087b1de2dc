package modelcard

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// TrainingArgs are the TrainingArguments that transformers'
// extract_hyperparameters_from_trainer reads, in hftrain's terms. Field comments give the
// TrainingArguments name.
type TrainingArgs struct {
	LearningRate   float64 // learning_rate
	TrainBatchSize int     // per_device_train_batch_size
	EvalBatchSize  int     // per_device_eval_batch_size
	Seed           uint64  // seed
	// WorldSize is the number of processes (world_size); 0 and 1 both mean one.
	WorldSize int
	// DistributedType is written as distributed_type when set (transformers writes
	// "multi-GPU" for its DISTRIBUTED parallel mode).
	DistributedType string
	GradAccum       int     // gradient_accumulation_steps
	Optim           string  // optim ("" means adamw_torch)
	OptimArgs       string  // optim_args
	AdamBeta1       float64 // adam_beta1
	AdamBeta2       float64 // adam_beta2
	AdamEpsilon     float64 // adam_epsilon
	Scheduler       string  // lr_scheduler_type ("" means linear)
	WarmupRatio     float64 // warmup_ratio
	WarmupSteps     int     // warmup_steps
	MaxSteps        int     // max_steps (> 0 replaces num_epochs with training_steps)
	NumTrainEpochs  float64 // num_train_epochs
	LabelSmoothing  float64 // label_smoothing_factor
}

// Hyperparameters lists a run's hyperparameters in the order and wording of
// extract_hyperparameters_from_trainer (src/transformers/modelcard.py @ 028965d4), values
// printed as Python's str() prints them ("2e-05", "3.0"). The optimizer is named by its
// optim value ("adamw_torch"), not by the OptimizerNames enum's str().
func Hyperparameters(a TrainingArgs) []Param {
	world := max(a.WorldSize, 1)
	accum := max(a.GradAccum, 1)
	ps := []Param{
		{"learning_rate", pyFloatRepr(a.LearningRate)},
		{"train_batch_size", strconv.Itoa(a.TrainBatchSize)},
		{"eval_batch_size", strconv.Itoa(a.EvalBatchSize)},
		{"seed", strconv.FormatUint(a.Seed, 10)},
	}
	add := func(name, value string) { ps = append(ps, Param{name, value}) }
	if a.DistributedType != "" {
		add("distributed_type", a.DistributedType)
	}
	if world > 1 {
		add("num_devices", strconv.Itoa(world))
	}
	if accum > 1 {
		add("gradient_accumulation_steps", strconv.Itoa(accum))
	}
	if total := a.TrainBatchSize * world * accum; total != a.TrainBatchSize {
		add("total_train_batch_size", strconv.Itoa(total))
	}
	if total := a.EvalBatchSize * world; total != a.EvalBatchSize {
		add("total_eval_batch_size", strconv.Itoa(total))
	}
	add("optimizer", optimizerLine(a))
	sched := a.Scheduler
	if sched == "" {
		sched = "linear"
	}
	add("lr_scheduler_type", sched)
	if a.WarmupRatio != 0 {
		add("lr_scheduler_warmup_ratio", pyFloatRepr(a.WarmupRatio))
	}
	if a.WarmupSteps != 0 {
		add("lr_scheduler_warmup_steps", strconv.Itoa(a.WarmupSteps))
	}
	if a.MaxSteps > 0 {
		add("training_steps", strconv.Itoa(a.MaxSteps))
	} else {
		add("num_epochs", pyFloatRepr(a.NumTrainEpochs))
	}
	if a.LabelSmoothing != 0 {
		add("label_smoothing_factor", pyFloatRepr(a.LabelSmoothing))
	}
	return ps
}

// optimizerLine is the "optimizer" value: Adam variants name their betas and epsilon.
func optimizerLine(a TrainingArgs) string {
	name := a.Optim
	if name == "" {
		name = "adamw_torch"
	}
	args := a.OptimArgs
	if args == "" {
		args = "No additional optimizer arguments"
	}
	if strings.Contains(strings.ToLower(name), "adam") {
		return fmt.Sprintf("Use %s with betas=(%s,%s) and epsilon=%s and optimizer_args=%s",
			name, pyFloatRepr(a.AdamBeta1), pyFloatRepr(a.AdamBeta2), pyFloatRepr(a.AdamEpsilon), args)
	}
	return fmt.Sprintf("Use %s and the args are:\n%s", name, args)
}

// DefaultVersions are the card's "Framework versions": hftrain (version, or "(devel)" when
// empty), the Go toolchain, and Gorgonia and the Arrow library as this binary was built with
// them (omitted when the build carries no module information).
func DefaultVersions(version string) []Param {
	if version == "" {
		version = "(devel)"
	}
	vs := []Param{{"hftrain", version}, {"Go", strings.TrimPrefix(runtime.Version(), "go")}}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return vs
	}
	for _, dep := range []struct{ path, name string }{
		{"gorgonia.org/gorgonia", "Gorgonia"},
		{"github.com/apache/arrow-go/v18", "Arrow"},
	} {
		for _, m := range info.Deps {
			if m.Path == dep.path {
				v := m.Version
				if m.Replace != nil && m.Replace.Version != "" {
					v = m.Replace.Version
				}
				vs = append(vs, Param{dep.name, v})
			}
		}
	}
	return vs
}
