package models

import "fmt"

// IgnoreIndex is the label that CrossEntropy skips (torch's ignore_index default).
const IgnoreIndex = -100

// checkBatch validates b against the model before anything runs: an out-of-range id would
// otherwise surface as a failure deep inside a graph run.
func (c *Classifier) checkBatch(b *Batch) error {
	if b == nil || b.Size <= 0 || b.SeqLen <= 0 {
		return fmt.Errorf("%w: empty batch", ErrBadBatch)
	}
	n := b.Size * b.SeqLen
	if len(b.InputIDs) != n || len(b.AttentionMask) != n {
		return fmt.Errorf("%w: %dx%d batch with %d input ids and %d mask values",
			ErrBadBatch, b.Size, b.SeqLen, len(b.InputIDs), len(b.AttentionMask))
	}
	if b.SeqLen > c.info.MaxPositions {
		return fmt.Errorf("%w: sequence length %d exceeds the model's %d positions", ErrBadBatch, b.SeqLen, c.info.MaxPositions)
	}
	for i, id := range b.InputIDs {
		if id < 0 || int(id) >= c.info.VocabSize {
			return fmt.Errorf("%w: input id %d at %d outside the vocabulary [0,%d)", ErrBadBatch, id, i, c.info.VocabSize)
		}
	}
	for i, m := range b.AttentionMask {
		if m != 0 && m != 1 {
			return fmt.Errorf("%w: attention mask value %d at %d (want 0 or 1)", ErrBadBatch, m, i)
		}
	}
	if b.TokenTypeIDs != nil {
		tv := c.arch.TypeVocabSize()
		if len(b.TokenTypeIDs) != n {
			return fmt.Errorf("%w: %d token type ids for a %dx%d batch", ErrBadBatch, len(b.TokenTypeIDs), b.Size, b.SeqLen)
		}
		for i, t := range b.TokenTypeIDs {
			if tv > 0 && (t < 0 || int(t) >= tv) {
				return fmt.Errorf("%w: token type %d at %d outside [0,%d)", ErrBadBatch, t, i, tv)
			}
		}
	}
	return nil
}

// checkLabels validates the labels a loss of problem type p needs.
func checkLabels(b *Batch, p string, numLabels int) error {
	switch p {
	case "":
		return nil
	case SingleLabel:
		if len(b.Labels) != b.Size {
			return fmt.Errorf("%w: %s needs %d integer labels, got %d", ErrBadBatch, p, b.Size, len(b.Labels))
		}
		for i, l := range b.Labels {
			if l != IgnoreIndex && (l < 0 || int(l) >= numLabels) {
				return fmt.Errorf("%w: label %d of example %d outside [0,%d)", ErrBadBatch, l, i, numLabels)
			}
		}
	default:
		want := b.Size * numLabels
		if b.FloatLabels != nil && len(b.FloatLabels) != want {
			return fmt.Errorf("%w: %s needs %d float labels, got %d", ErrBadBatch, p, want, len(b.FloatLabels))
		}
		if b.FloatLabels == nil && len(b.Labels) != want {
			return fmt.Errorf("%w: %s needs %d labels, got %d", ErrBadBatch, p, want, len(b.Labels))
		}
	}
	return nil
}
