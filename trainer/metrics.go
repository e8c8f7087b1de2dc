package trainer

import (
	"fmt"
	"math"
)

// Metrics maps metric names (without the "eval_" prefix) to values.
type Metrics map[string]float64

// ComputeMetrics scores logits against labels for a problem type, as Hugging Face's example scripts
// do: single_label_classification gives accuracy and macro-F1 (argmax of logits);
// multi_label_classification gives subset accuracy and micro-F1 (logit > 0 means the label is on);
// regression gives mse and pearson. logits is [n*numLabels]; labels holds class ids
// (single-label) and floatLabels holds targets [n*numLabels] (multi-label, regression).
func ComputeMetrics(problemType string, numLabels int, logits []float32, labels []int32, floatLabels []float32) (Metrics, error) {
	if numLabels <= 0 {
		return nil, fmt.Errorf("metrics: num_labels must be > 0 (got %d)", numLabels)
	}
	n := len(logits) / numLabels
	switch problemType {
	case "single_label_classification":
		if len(labels) != n {
			return nil, fmt.Errorf("metrics: %d labels for %d predictions", len(labels), n)
		}
		pred := make([]int32, n)
		for i := range n {
			pred[i] = int32(argmax(logits[i*numLabels : (i+1)*numLabels]))
		}
		return Metrics{"accuracy": accuracy(pred, labels), "f1": macroF1(pred, labels, numLabels)}, nil
	case "multi_label_classification":
		if len(floatLabels) != len(logits) {
			return nil, fmt.Errorf("metrics: %d targets for %d logits", len(floatLabels), len(logits))
		}
		return multiLabel(logits, floatLabels, numLabels), nil
	case "regression":
		if len(floatLabels) != len(logits) {
			return nil, fmt.Errorf("metrics: %d targets for %d predictions", len(floatLabels), len(logits))
		}
		return Metrics{"mse": mse(logits, floatLabels), "pearson": pearson(logits, floatLabels)}, nil
	}
	return nil, fmt.Errorf("metrics: unknown problem_type %q", problemType)
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func accuracy(pred, labels []int32) float64 {
	if len(labels) == 0 {
		return 0
	}
	ok := 0
	for i := range labels {
		if pred[i] == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(labels))
}

// macroF1 is the unweighted mean of per-class F1 over the classes that occur in labels or
// predictions (scikit-learn's f1_score(average="macro") with its default labels).
func macroF1(pred, labels []int32, numLabels int) float64 {
	tp := make([]float64, numLabels)
	fp := make([]float64, numLabels)
	fn := make([]float64, numLabels)
	present := make([]bool, numLabels)
	for i := range labels {
		p, l := pred[i], labels[i]
		present[p], present[l] = true, true
		if p == l {
			tp[l]++
		} else {
			fp[p]++
			fn[l]++
		}
	}
	sum, k := 0.0, 0
	for c := range numLabels {
		if !present[c] {
			continue
		}
		k++
		if d := 2*tp[c] + fp[c] + fn[c]; d > 0 {
			sum += 2 * tp[c] / d
		}
	}
	if k == 0 {
		return 0
	}
	return sum / float64(k)
}

func multiLabel(logits, targets []float32, numLabels int) Metrics {
	n := len(logits) / numLabels
	var tp, fp, fn float64
	exact := 0
	for i := range n {
		all := true
		for j := range numLabels {
			p := logits[i*numLabels+j] > 0
			t := targets[i*numLabels+j] > 0.5
			switch {
			case p && t:
				tp++
			case p && !t:
				fp++
				all = false
			case !p && t:
				fn++
				all = false
			}
		}
		if all {
			exact++
		}
	}
	m := Metrics{"accuracy": 0, "f1": 0}
	if n > 0 {
		m["accuracy"] = float64(exact) / float64(n)
	}
	if d := 2*tp + fp + fn; d > 0 {
		m["f1"] = 2 * tp / d
	}
	return m
}

func mse(pred, target []float32) float64 {
	if len(pred) == 0 {
		return 0
	}
	s := 0.0
	for i := range pred {
		d := float64(pred[i]) - float64(target[i])
		s += d * d
	}
	return s / float64(len(pred))
}

// pearson is the sample correlation coefficient; NaN when either side is constant (as scipy).
func pearson(x, y []float32) float64 {
	n := float64(len(x))
	if n < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += float64(x[i])
		my += float64(y[i])
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := float64(x[i])-mx, float64(y[i])-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}
