package checkpoint_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hftrain/hftrain/optim"
	"github.com/hftrain/hftrain/trainer/checkpoint"
)

// Example saves three checkpoints atomically, keeps two of them (protecting
// the best), and finds the newest one that verifies.
func Example() {
	out, err := os.MkdirTemp("", "hftrain-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)

	for step := 10; step <= 30; step += 10 {
		write := func(dir string) error {
			st := checkpoint.NewTrainerState()
			st.GlobalStep = step
			if err := checkpoint.WriteTrainerState(filepath.Join(dir, checkpoint.TrainerStateName), st); err != nil {
				return err
			}
			opt := &optim.State{Step: int64(step), Tensors: map[string][]float32{"exp_avg.w": {0.5}}}
			return checkpoint.SaveOptimizer(filepath.Join(dir, checkpoint.OptimizerName), opt)
		}
		if _, err := checkpoint.Save(context.Background(), out, step, write, checkpoint.Options{}); err != nil {
			fmt.Println(err)
			return
		}
	}
	deleted, err := checkpoint.Rotate(out, 2, filepath.Join(out, "checkpoint-10"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("deleted:", filepath.Base(deleted[0]))

	latest, err := checkpoint.Latest(out, func(format string, a ...any) { fmt.Printf(format+"\n", a...) })
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := checkpoint.ReadTrainerState(filepath.Join(latest, checkpoint.TrainerStateName))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("resume from:", filepath.Base(latest), "global_step", st.GlobalStep)
	// Output:
	// deleted: checkpoint-20
	// resume from: checkpoint-30 global_step 30
}
