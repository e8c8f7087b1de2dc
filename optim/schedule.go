package optim

import (
	"fmt"
	"math"
	"strings"
)

// Schedule gives the learning rate of each optimizer step.
type Schedule interface {
	// LR returns the learning rate for optimizer step `step`, counted from 0: the base
	// learning rate times the schedule's multiplier, as torch's LambdaLR computes it.
	// Trainer steps the scheduler after each optimizer step, so the update number k
	// (0-based) uses LR(k).
	LR(step int) float64
}

// ScheduleOptions holds the schedule-specific settings of transformers'
// lr_scheduler_kwargs. A zero field means the transformers default.
type ScheduleOptions struct {
	// NumCycles is the number of cosine waves: 0.5 by default for "cosine" (a half
	// cosine from 1 to 0), 1 for "cosine_with_restarts" (the number of hard restarts).
	NumCycles float64 `json:"num_cycles" yaml:"num_cycles"`
	// LREnd is the final learning rate of "polynomial" (default 1e-7); it must be
	// smaller than the base learning rate.
	LREnd float64 `json:"lr_end" yaml:"lr_end"`
	// Power is the exponent of "polynomial" (default 1.0).
	Power float64 `json:"power" yaml:"power"`
	// Timescale is the time scale of "inverse_sqrt" (default: the warmup steps, or
	// 10000 without warmup).
	Timescale int `json:"timescale" yaml:"timescale"`
}

// ScheduleNames returns the supported lr_scheduler_type names, in the order of
// transformers' SchedulerType.
func ScheduleNames() []string {
	return []string{"linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
		"constant_with_warmup", "inverse_sqrt"}
}

// LambdaSchedule is a base learning rate times a multiplier of the step, which is what
// torch's LambdaLR does with the lambdas of transformers.optimization.
type LambdaSchedule struct {
	// Name is the lr_scheduler_type the schedule was built from.
	Name string
	// BaseLR is the learning rate the multiplier scales.
	BaseLR float64
	// Multiplier returns the factor for a 0-based optimizer step.
	Multiplier func(step int) float64
}

// LR returns BaseLR * Multiplier(step).
func (s *LambdaSchedule) LR(step int) float64 { return s.BaseLR * s.Multiplier(step) }

// NewSchedule builds the lr_scheduler_type `name` of transformers.optimization
// (get_scheduler) for a run of totalSteps optimizer steps whose first warmupSteps warm
// up linearly from 0. The formulas are those of transformers
// src/transformers/optimization.py at commit 005edacb6b5dabbf0843e92c6623de9e07ca6241.
func NewSchedule(name string, baseLR float64, warmupSteps, totalSteps int, opts ScheduleOptions) (Schedule, error) {
	switch {
	case !(baseLR >= 0) || math.IsInf(baseLR, 0):
		return nil, fmt.Errorf("optim: schedule %q: learning rate %v must be finite and >= 0", name, baseLR)
	case warmupSteps < 0:
		return nil, fmt.Errorf("optim: schedule %q: warmup steps %d must be >= 0", name, warmupSteps)
	case totalSteps < 0:
		return nil, fmt.Errorf("optim: schedule %q: total steps %d must be >= 0", name, totalSteps)
	}
	w, n := float64(warmupSteps), float64(totalSteps)
	// warmup is shared by every schedule except constant: 0 -> 1 over warmupSteps.
	warmup := func(step int) float64 { return float64(step) / math.Max(1, w) }
	var f func(step int) float64
	switch name {
	case "constant":
		f = func(int) float64 { return 1 }
	case "constant_with_warmup":
		f = func(step int) float64 {
			if step < warmupSteps {
				return warmup(step)
			}
			return 1
		}
	case "linear":
		f = func(step int) float64 {
			if step < warmupSteps {
				return warmup(step)
			}
			return math.Max(0, (n-float64(step))/math.Max(1, n-w))
		}
	case "cosine", "cosine_with_restarts":
		f = cosineLambda(name, warmupSteps, totalSteps, opts.NumCycles, warmup)
	case "polynomial":
		var err error
		if f, err = polynomialLambda(baseLR, warmupSteps, totalSteps, opts, warmup); err != nil {
			return nil, err
		}
	case "inverse_sqrt":
		timescale := opts.Timescale
		if timescale == 0 {
			timescale = warmupSteps
		}
		if timescale == 0 {
			timescale = 10000
		}
		if timescale < 0 {
			return nil, fmt.Errorf("optim: schedule %q: timescale %d must be > 0", name, timescale)
		}
		shift, ts := float64(timescale-warmupSteps), float64(timescale)
		f = func(step int) float64 {
			if step < warmupSteps {
				return warmup(step)
			}
			return 1 / math.Sqrt((float64(step)+shift)/ts)
		}
	default:
		return nil, fmt.Errorf("optim: unknown lr_scheduler_type %q (supported: %s)",
			name, strings.Join(ScheduleNames(), ", "))
	}
	return &LambdaSchedule{Name: name, BaseLR: baseLR, Multiplier: f}, nil
}

// cosineLambda is "cosine" (smooth, NumCycles waves, default 0.5) or
// "cosine_with_restarts" (hard restarts, NumCycles of them, default 1).
func cosineLambda(name string, warmupSteps, totalSteps int, cycles float64, warmup func(int) float64) func(int) float64 {
	w, n := float64(warmupSteps), float64(totalSteps)
	progress := func(step int) float64 { return (float64(step) - w) / math.Max(1, n-w) }
	if name == "cosine" {
		if cycles == 0 {
			cycles = 0.5
		}
		return func(step int) float64 {
			if step < warmupSteps {
				return warmup(step)
			}
			return math.Max(0, 0.5*(1+math.Cos(math.Pi*cycles*2*progress(step))))
		}
	}
	if cycles == 0 {
		cycles = 1
	}
	return func(step int) float64 {
		if step < warmupSteps {
			return warmup(step)
		}
		p := progress(step)
		if p >= 1 {
			return 0
		}
		return math.Max(0, 0.5*(1+math.Cos(math.Pi*math.Mod(cycles*p, 1))))
	}
}

// polynomialLambda decays from the base LR to LREnd with exponent Power, then stays at
// LREnd; the multiplier is the decayed LR divided by the base LR.
func polynomialLambda(baseLR float64, warmupSteps, totalSteps int, opts ScheduleOptions, warmup func(int) float64) (func(int) float64, error) {
	lrEnd, power := opts.LREnd, opts.Power
	if lrEnd == 0 {
		lrEnd = 1e-7
	}
	if power == 0 {
		power = 1
	}
	if !(baseLR > lrEnd) {
		return nil, fmt.Errorf("optim: schedule \"polynomial\": lr_end (%v) must be smaller than the learning rate (%v)",
			lrEnd, baseLR)
	}
	lrRange := baseLR - lrEnd
	// transformers divides by zero here when warmup == total; one decay step is the
	// closest well-defined reading.
	decaySteps := math.Max(1, float64(totalSteps-warmupSteps))
	return func(step int) float64 {
		switch {
		case step < warmupSteps:
			return warmup(step)
		case step > totalSteps:
			return lrEnd / baseLR
		}
		remaining := 1 - float64(step-warmupSteps)/decaySteps
		return (lrRange*math.Pow(remaining, power) + lrEnd) / baseLR
	}, nil
}

// WarmupSteps is TrainingArguments.get_warmup_steps: warmupSteps when it is positive,
// otherwise ceil(warmupRatio * totalSteps).
func WarmupSteps(warmupSteps int, warmupRatio float64, totalSteps int) int {
	if warmupSteps > 0 {
		return warmupSteps
	}
	return int(math.Ceil(float64(totalSteps) * warmupRatio))
}
