package roberta_test

import (
	"fmt"

	"github.com/hftrain/hftrain/models/roberta"
)

// RoBERTa's positions start after the padding index and skip pads.
func ExamplePositionIDs() {
	ids := []int32{0, 31414, 232, 2, 1, 1} // <s> Hello world </s> <pad> <pad>
	pos := make([]float32, len(ids))
	roberta.PositionIDs(ids, len(ids), 1, pos)
	fmt.Println(pos)
	// Output: [2 3 4 5 1 1]
}
