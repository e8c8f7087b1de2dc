package config

import (
	"math/rand"
	"testing"
)

// osaReference is the textbook recursive definition of the optimal string
// alignment distance, used to check the dynamic-programming version.
func osaReference(a, b []rune) int {
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	cost := 1
	if a[len(a)-1] == b[len(b)-1] {
		cost = 0
	}
	d := min(osaReference(a[:len(a)-1], b)+1, osaReference(a, b[:len(b)-1])+1,
		osaReference(a[:len(a)-1], b[:len(b)-1])+cost)
	if len(a) > 1 && len(b) > 1 && a[len(a)-1] == b[len(b)-2] && a[len(a)-2] == b[len(b)-1] {
		d = min(d, osaReference(a[:len(a)-2], b[:len(b)-2])+1)
	}
	return d
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"seed", "seed", 0},
		{"learning_rat", "learning_rate", 1},  // deletion
		{"lerning_rate", "learning_rate", 1},  // insertion
		{"learning_rste", "learning_rate", 1}, // substitution
		{"laerning_rate", "learning_rate", 1}, // transposition
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // OSA, unlike full Damerau-Levenshtein (2)
		{"größe", "grösse", 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	rng := rand.New(rand.NewSource(1))
	letters := []rune("abc_")
	word := func() []rune {
		w := make([]rune, rng.Intn(7))
		for i := range w {
			w[i] = letters[rng.Intn(len(letters))]
		}
		return w
	}
	for i := 0; i < 500; i++ {
		a, b := word(), word()
		if got, want := editDistance(string(a), string(b)), osaReference(a, b); got != want {
			t.Fatalf("editDistance(%q, %q) = %d, reference %d", string(a), string(b), got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := knownNames()
	tests := []struct{ key, want string }{
		{"learning_rat", "learning_rate"},
		{"learnig_rate", "learning_rate"},
		{"per_device_train_batchsize", "per_device_train_batch_size"},
		{"num_train_epoch", "num_train_epochs"},
		{"evaluation_strategyy", "evaluation_strategy"},
		{"fp61", "fp16"},
		{"epochs", "num_train_epochs"}, // hint table
		{"batch_size", "per_device_train_batch_size"},
		{"zzzzzz", ""},
		{"x", ""},
		{"output", ""}, // 4 edits from output_dir: too far for a 6-letter key
	}
	for _, tt := range tests {
		if got := suggest(tt.key, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
