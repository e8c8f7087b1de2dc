package modelcard

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestHyperparameters(t *testing.T) {
	adam := TrainingArgs{LearningRate: 2e-05, TrainBatchSize: 8, EvalBatchSize: 8, Seed: 42,
		AdamBeta1: 0.9, AdamBeta2: 0.999, AdamEpsilon: 1e-08, NumTrainEpochs: 3}
	const adamLine = "Use adamw_torch with betas=(0.9,0.999) and epsilon=1e-08 and optimizer_args=No additional optimizer arguments"
	for _, tc := range []struct {
		name string
		args func(a TrainingArgs) TrainingArgs
		want []Param
	}{
		{"defaults", func(a TrainingArgs) TrainingArgs { return a }, []Param{
			{"learning_rate", "2e-05"}, {"train_batch_size", "8"}, {"eval_batch_size", "8"}, {"seed", "42"},
			{"optimizer", adamLine}, {"lr_scheduler_type", "linear"}, {"num_epochs", "3.0"},
		}},
		{"distributed, accumulation, warmup, max_steps", func(a TrainingArgs) TrainingArgs {
			a.WorldSize, a.DistributedType, a.GradAccum = 4, "multi-GPU", 2
			a.Scheduler, a.WarmupRatio, a.WarmupSteps, a.MaxSteps, a.LabelSmoothing = "cosine", 0.1, 100, 500, 0.1
			return a
		}, []Param{
			{"learning_rate", "2e-05"}, {"train_batch_size", "8"}, {"eval_batch_size", "8"}, {"seed", "42"},
			{"distributed_type", "multi-GPU"}, {"num_devices", "4"}, {"gradient_accumulation_steps", "2"},
			{"total_train_batch_size", "64"}, {"total_eval_batch_size", "32"},
			{"optimizer", adamLine}, {"lr_scheduler_type", "cosine"}, {"lr_scheduler_warmup_ratio", "0.1"},
			{"lr_scheduler_warmup_steps", "100"}, {"training_steps", "500"}, {"label_smoothing_factor", "0.1"},
		}},
		{"sgd", func(a TrainingArgs) TrainingArgs { a.Optim, a.OptimArgs = "sgd", "momentum=0.9"; return a }, []Param{
			{"learning_rate", "2e-05"}, {"train_batch_size", "8"}, {"eval_batch_size", "8"}, {"seed", "42"},
			{"optimizer", "Use sgd and the args are:\nmomentum=0.9"}, {"lr_scheduler_type", "linear"}, {"num_epochs", "3.0"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Hyperparameters(tc.args(adam)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestDefaultVersions(t *testing.T) {
	vs := DefaultVersions("")
	if len(vs) < 2 || vs[0] != (Param{"hftrain", "(devel)"}) || vs[1] != (Param{"Go", strings.TrimPrefix(runtime.Version(), "go")}) {
		t.Errorf("DefaultVersions = %v", vs)
	}
	if v := DefaultVersions("1.2.3"); v[0].Value != "1.2.3" {
		t.Errorf("version not used: %v", v)
	}
}
