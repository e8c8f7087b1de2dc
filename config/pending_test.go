package config

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckImplemented(t *testing.T) {
	tests := []struct {
		set  string
		want string
	}{
		{"", ""},
		{"test_file=t.csv", "test_file is not supported yet"},
		{"dataset_name=imdb", ""},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			sets := []string{"model_type=bert", "output_dir=out", "train_file=x.csv"}
			if tc.set != "" {
				sets = append(sets, tc.set)
			}
			c, err := Load("", nil, sets)
			if err != nil {
				t.Fatal(err)
			}
			err = c.CheckImplemented()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CheckImplemented() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrUnsupported) {
				t.Fatalf("CheckImplemented() = %v, want %q (ErrUnsupported)", err, tc.want)
			}
		})
	}
}
