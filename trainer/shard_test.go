package trainer

import (
	"reflect"
	"testing"
)

func TestShardRows(t *testing.T) {
	for _, c := range []struct {
		name       string
		rows, pad  []int
		world      int
		want       [][]int
		wantGlobal int
	}{
		{"alone", []int{5, 6, 7}, []int{5}, 1, [][]int{{5, 6, 7}}, 3},
		{"even", []int{1, 2, 3, 4}, []int{1}, 2, [][]int{{1, 3}, {2, 4}}, 4},
		{"padded from the epoch's first rows", []int{9, 8, 7}, []int{4, 5}, 4, [][]int{{9}, {8}, {7}, {4}}, 4},
		{"pad shorter than the gap cycles", []int{9}, []int{4}, 3, [][]int{{9}, {4}, {4}}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			for r := range c.world {
				got, global := shardRows(c.rows, c.pad, r, c.world)
				if !reflect.DeepEqual(got, c.want[r]) || global != c.wantGlobal {
					t.Errorf("rank %d: %v (global %d), want %v (%d)", r, got, global, c.want[r], c.wantGlobal)
				}
			}
		})
	}
}
