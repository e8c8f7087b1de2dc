package optim

import (
	"math"
	"strings"
	"testing"
)

// TestScheduleShapes checks points that follow from the definitions alone, independent
// of the golden file.
func TestScheduleShapes(t *testing.T) {
	const lr = 1e-3
	tests := []struct {
		name          string
		warmup, total int
		opts          ScheduleOptions
		step          int
		want          float64
	}{
		{"linear", 10, 110, ScheduleOptions{}, 0, 0},
		{"linear", 10, 110, ScheduleOptions{}, 5, lr / 2},
		{"linear", 10, 110, ScheduleOptions{}, 10, lr},
		{"linear", 10, 110, ScheduleOptions{}, 60, lr / 2},
		{"linear", 10, 110, ScheduleOptions{}, 110, 0},
		{"linear", 10, 110, ScheduleOptions{}, 500, 0},
		{"linear", 0, 4, ScheduleOptions{}, 0, lr},
		{"cosine", 0, 100, ScheduleOptions{}, 50, lr / 2},
		{"cosine", 0, 100, ScheduleOptions{}, 100, 0},
		{"cosine", 0, 100, ScheduleOptions{NumCycles: 1}, 50, 0},
		{"cosine", 0, 100, ScheduleOptions{NumCycles: 1}, 100, lr},
		{"cosine_with_restarts", 0, 100, ScheduleOptions{NumCycles: 2}, 50, lr},
		{"cosine_with_restarts", 0, 100, ScheduleOptions{NumCycles: 2}, 25, lr / 2},
		{"cosine_with_restarts", 0, 100, ScheduleOptions{NumCycles: 2}, 100, 0},
		{"constant", 10, 100, ScheduleOptions{}, 0, lr},
		{"constant_with_warmup", 4, 100, ScheduleOptions{}, 1, lr / 4},
		{"constant_with_warmup", 4, 100, ScheduleOptions{}, 1000, lr},
		{"polynomial", 0, 10, ScheduleOptions{}, 10, 1e-7},
		{"polynomial", 0, 10, ScheduleOptions{}, 11, 1e-7},
		{"polynomial", 0, 10, ScheduleOptions{LREnd: 1e-4, Power: 2}, 5, (lr-1e-4)*0.25 + 1e-4},
		{"inverse_sqrt", 0, 10, ScheduleOptions{}, 30000, lr / 2},
		{"inverse_sqrt", 4, 10, ScheduleOptions{}, 16, lr / 2},
		{"inverse_sqrt", 4, 10, ScheduleOptions{Timescale: 1}, 7, lr / 2}, // shift -3: 1/sqrt(4)
	}
	for _, tt := range tests {
		s, err := NewSchedule(tt.name, lr, tt.warmup, tt.total, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := s.LR(tt.step); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s(warmup=%d, total=%d, %+v).LR(%d) = %v, want %v",
				tt.name, tt.warmup, tt.total, tt.opts, tt.step, got, tt.want)
		}
	}
}

func TestScheduleErrors(t *testing.T) {
	tests := []struct {
		name    string
		lr      float64
		warmup  int
		total   int
		opts    ScheduleOptions
		wantErr string
	}{
		{"cosine_with_hard_restarts", 1e-3, 0, 10, ScheduleOptions{}, "supported: linear, cosine, cosine_with_restarts"},
		{"linear", -1, 0, 10, ScheduleOptions{}, "learning rate -1"},
		{"linear", 1e-3, -1, 10, ScheduleOptions{}, "warmup steps -1"},
		{"linear", 1e-3, 0, -5, ScheduleOptions{}, "total steps -5"},
		{"polynomial", 1e-7, 0, 10, ScheduleOptions{}, "lr_end (1e-07) must be smaller"},
		{"inverse_sqrt", 1e-3, 0, 10, ScheduleOptions{Timescale: -3}, "timescale -3"},
	}
	for _, tt := range tests {
		_, err := NewSchedule(tt.name, tt.lr, tt.warmup, tt.total, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("NewSchedule(%q): error %v, want it to contain %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestWarmupSteps(t *testing.T) {
	tests := []struct {
		steps int
		ratio float64
		total int
		want  int
	}{
		{0, 0, 100, 0},
		{0, 0.1, 100, 10},
		{0, 0.1, 30, 3},
		{0, 0.07, 100, 8},  // 100*0.07 = 7.000000000000001 in float64: Python rounds up too
		{0, 0.29, 100, 29}, // 28.999999999999996
		{0, 0.06, 1000, 60},
		{7, 0.5, 100, 7},
		{0, 0.5, 1, 1},
	}
	for _, tt := range tests {
		if got := WarmupSteps(tt.steps, tt.ratio, tt.total); got != tt.want {
			t.Errorf("WarmupSteps(%d, %v, %d) = %d, want %d", tt.steps, tt.ratio, tt.total, got, tt.want)
		}
	}
}
