package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hftrain/hftrain/data"
)

func TestAlignLabels(t *testing.T) {
	tests := []struct {
		name       string
		id2label   string
		wantLabels []string
		wantIDs    []int32
	}{
		{"model order differs", `{"0":"spam","1":"ham"}`, []string{"spam", "ham"}, []int32{1, 0, 1}},
		{"same order", `{"0":"ham","1":"spam"}`, []string{"ham", "spam"}, []int32{0, 1, 0}},
		{"default names", `{"0":"LABEL_0","1":"LABEL_1"}`, []string{"ham", "spam"}, []int32{0, 1, 0}},
		{"other names", `{"0":"neg","1":"pos"}`, []string{"ham", "spam"}, []int32{0, 1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"bert","id2label":`+tc.id2label+`}`), 0o644); err != nil {
				t.Fatal(err)
			}
			ds := &data.Dataset{ProblemType: "single_label_classification", Labels: []string{"ham", "spam"}, NumLabels: 2,
				Examples: []data.Example{{Label: 0}, {Label: 1}, {Label: 0}}}
			if err := alignLabels(dir, ds, nil, t.Logf); err != nil {
				t.Fatal(err)
			}
			var ids []int32
			for _, ex := range ds.Examples {
				ids = append(ids, ex.Label)
			}
			if !reflect.DeepEqual(ds.Labels, tc.wantLabels) || !reflect.DeepEqual(ids, tc.wantIDs) {
				t.Errorf("labels %v ids %v, want %v %v", ds.Labels, ids, tc.wantLabels, tc.wantIDs)
			}
		})
	}
}
