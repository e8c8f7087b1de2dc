package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

var sprintf = fmt.Sprintf

func TestList(t *testing.T) {
	out := t.TempDir()
	for _, name := range []string{"checkpoint-10", "checkpoint-9", "checkpoint-100", "checkpoint-2",
		".tmp-checkpoint-11-123", "checkpoint-x", "checkpoint-5-old", "runs"} {
		if err := os.Mkdir(filepath.Join(out, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(out, "checkpoint-7"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := List(out)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, c := range got {
		steps = append(steps, c.Step)
		if c.Dir != filepath.Join(out, "checkpoint-"+strconv.Itoa(c.Step)) {
			t.Errorf("Dir %q", c.Dir)
		}
	}
	if want := []int{2, 9, 10, 100}; !reflect.DeepEqual(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
}

// TestRotate checks the cases of transformers' tests/trainer
// (test_checkpoint_rotation) and _rotate_checkpoints' own rules.
func TestRotate(t *testing.T) {
	tests := []struct {
		name  string
		steps []int
		limit int
		best  string // bare name, resolved against out
		want  []int  // kept steps
	}{
		{"disabled", []int{5, 10, 15}, 0, "", []int{5, 10, 15}},
		{"under limit", []int{5, 10}, 2, "", []int{5, 10}},
		{"keep last 2", []int{5, 10, 15, 20, 25}, 2, "", []int{20, 25}},
		{"numeric not lexical", []int{9, 10, 100}, 2, "", []int{10, 100}},
		{"best kept", []int{5, 10, 15, 20, 25}, 2, "checkpoint-5", []int{5, 25}},
		{"best kept, limit 3", []int{5, 10, 15, 20, 25}, 3, "checkpoint-10", []int{10, 20, 25}},
		{"best is second to last", []int{5, 10, 15, 20, 25}, 2, "checkpoint-20", []int{20, 25}},
		{"best is last", []int{5, 10, 15, 20, 25}, 2, "checkpoint-25", []int{20, 25}},
		{"limit 1 best not last keeps 2", []int{5, 10, 15, 20, 25}, 1, "checkpoint-10", []int{10, 25}},
		{"limit 1 best last keeps 1", []int{5, 10, 15, 20, 25}, 1, "checkpoint-25", []int{25}},
		{"limit 1 no best", []int{5, 10, 15}, 1, "", []int{15}},
		// transformers: a best that no longer exists is not moved, but still
		// makes limit 1 keep two.
		{"limit 1 best gone", []int{5, 10, 15}, 1, "checkpoint-1", []int{10, 15}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			for _, s := range tt.steps {
				mustSave(t, out, s, map[string]string{"f": strconv.Itoa(s)})
			}
			best := tt.best
			if best != "" {
				best = filepath.Join(out, best) // a path, as best_model_checkpoint holds
			}
			deleted, err := Rotate(out, tt.limit, best)
			if err != nil {
				t.Fatal(err)
			}
			list, err := List(out)
			if err != nil {
				t.Fatal(err)
			}
			var kept []int
			for _, c := range list {
				kept = append(kept, c.Step)
			}
			if !reflect.DeepEqual(kept, tt.want) {
				t.Errorf("kept %v, want %v", kept, tt.want)
			}
			if len(deleted)+len(kept) != len(tt.steps) {
				t.Errorf("deleted %v", deleted)
			}
			for _, d := range deleted {
				if _, err := os.Stat(d); err == nil {
					t.Errorf("%s still exists", d)
				}
			}
			if tmp := tempDirs(t, out); len(tmp) != 0 {
				t.Errorf("temp dirs left: %v", tmp)
			}
		})
	}
}

func TestRotateBestForms(t *testing.T) {
	for _, form := range []string{"bare", "relative", "absolute"} {
		t.Run(form, func(t *testing.T) {
			out := t.TempDir()
			for _, s := range []int{1, 2, 3, 4} {
				mustSave(t, out, s, map[string]string{"f": "x"})
			}
			best := "checkpoint-1"
			switch form {
			case "relative":
				wd, err := os.Getwd()
				if err != nil {
					t.Fatal(err)
				}
				rel, err := filepath.Rel(wd, filepath.Join(out, best))
				if err != nil {
					t.Skip("no relative path:", err)
				}
				best = rel
			case "absolute":
				best = filepath.Join(out, best)
			}
			if _, err := Rotate(out, 2, best); err != nil {
				t.Fatal(err)
			}
			if err := Verify(filepath.Join(out, "checkpoint-1")); err != nil {
				t.Errorf("best deleted: %v", err)
			}
		})
	}
}
