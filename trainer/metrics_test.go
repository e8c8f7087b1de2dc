package trainer

import (
	"math"
	"testing"
)

func TestComputeMetrics(t *testing.T) {
	tests := []struct {
		name        string
		problem     string
		numLabels   int
		logits      []float32
		labels      []int32
		floatLabels []float32
		want        Metrics
	}{
		{
			// preds 0,1,1,2 vs labels 0,1,2,2: class F1s 1, 2/3, 2/3 -> macro 7/9.
			name: "single label", problem: "single_label_classification", numLabels: 3,
			logits: []float32{
				5, 0, 0,
				0, 5, 0,
				0, 5, 1,
				0, 0, 5,
			},
			labels: []int32{0, 1, 2, 2},
			want:   Metrics{"accuracy": 0.75, "f1": 7.0 / 9.0},
		},
		{
			// class 2 never appears in labels or predictions: excluded from the macro mean.
			name: "single label absent class", problem: "single_label_classification", numLabels: 3,
			logits: []float32{1, 0, 0, 0, 1, 0},
			labels: []int32{0, 0},
			want:   Metrics{"accuracy": 0.5, "f1": (2.0/3.0 + 0) / 2},
		},
		{
			// tp=3 fp=1 fn=1 -> micro F1 = 6/8; rows exact: row0 yes, row1 no.
			name: "multi label", problem: "multi_label_classification", numLabels: 3,
			logits:      []float32{1, -1, 2, 1, 1, -1},
			floatLabels: []float32{1, 0, 1, 0, 1, 1},
			want:        Metrics{"accuracy": 0.5, "f1": 6.0 / 8.0},
		},
		{
			name: "regression", problem: "regression", numLabels: 1,
			logits:      []float32{1, 2, 3},
			floatLabels: []float32{1, 2, 5},
			// y=(1,2,5): mean 8/3, syy=78/9; x=(1,2,3): sxx=2; sxy=4.
			want: Metrics{"mse": 4.0 / 3.0, "pearson": 4 / math.Sqrt(2*78.0/9.0)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ComputeMetrics(tc.problem, tc.numLabels, tc.logits, tc.labels, tc.floatLabels)
			if err != nil {
				t.Fatal(err)
			}
			for k, w := range tc.want {
				if math.Abs(got[k]-w) > 1e-12 {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("got metrics %v, want keys of %v", got, tc.want)
			}
		})
	}
}

func TestComputeMetricsErrors(t *testing.T) {
	if _, err := ComputeMetrics("single_label_classification", 2, []float32{1, 0}, nil, nil); err == nil {
		t.Error("missing labels: want error")
	}
	if _, err := ComputeMetrics("bogus", 2, []float32{1, 0}, []int32{0}, nil); err == nil {
		t.Error("unknown problem type: want error")
	}
	if _, err := ComputeMetrics("regression", 0, nil, nil, nil); err == nil {
		t.Error("zero labels: want error")
	}
}
