//go:build unix

package launch_test

import (
	"context"
	"fmt"
	"os"

	"github.com/hftrain/hftrain/distributed/launch"
)

// Two workers on one node; each prints its place in the job, and the launcher prefixes the lines.
func Example() {
	err := launch.Run(context.Background(), launch.Options{
		NProcPerNode: 2,
		Command:      []string{"/bin/sh", "-c", `echo "rank $RANK of $WORLD_SIZE, local rank $LOCAL_RANK, master $MASTER_ADDR:$MASTER_PORT"`},
		Env:          []string{"PATH=/usr/bin:/bin"},
		Stdout:       os.Stdout,
		Logf:         func(string, ...any) {}, // the launcher's own messages
	})
	if err != nil {
		fmt.Println(err)
	}
	// Unordered output:
	// [rank0]: rank 0 of 2, local rank 0, master 127.0.0.1:29500
	// [rank1]: rank 1 of 2, local rank 1, master 127.0.0.1:29500
}
