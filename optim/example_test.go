package optim_test

import (
	"fmt"

	"github.com/hftrain/hftrain/optim"
)

// A training step as Hugging Face's Trainer does it: take the LR of this optimizer step
// from the schedule, clip the gradients, step, and zero the gradients. The printed values
// agree with torch.optim.AdamW and clip_grad_norm_ on the same inputs.
func Example() {
	params := []optim.Param{
		{Name: "classifier.weight", Data: []float32{0.5, -0.5}, Grad: make([]float32, 2)},
		{Name: "classifier.bias", Data: []float32{0}, Grad: make([]float32, 1), NoDecay: true},
	}
	cfg := optim.DefaultAdamWConfig()
	cfg.WeightDecay = 0.01
	opt := optim.NewAdamW(cfg)
	total := 4
	sched, err := optim.NewSchedule("linear", 1e-2, optim.WarmupSteps(0, 0.25, total), total, optim.ScheduleOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for step := range total {
		// Stand-in for backward: a gradient of norm 5 that the clip scales to 1.
		params[0].Grad[0], params[0].Grad[1], params[1].Grad[0] = 3, 0, 4
		lr := sched.LR(step)
		norm := optim.ClipGradNorm(params, 1.0)
		if err := opt.Step(params, lr); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("step %d: lr %.4f grad_norm %.1f weight %.4f bias %.4f\n",
			step, lr, norm, params[0].Data[0], params[1].Data[0])
	}
	state, _ := opt.State()
	fmt.Println("saved steps:", state.Step, "tensors:", len(state.Tensors))
	// Output:
	// step 0: lr 0.0000 grad_norm 5.0 weight 0.5000 bias 0.0000
	// step 1: lr 0.0100 grad_norm 5.0 weight 0.4900 bias -0.0100
	// step 2: lr 0.0067 grad_norm 5.0 weight 0.4833 bias -0.0167
	// step 3: lr 0.0033 grad_norm 5.0 weight 0.4799 bias -0.0200
	// saved steps: 4 tensors: 4
}
