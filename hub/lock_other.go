//go:build !unix

package hub

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// fileLock is an exclusive lock file created with O_EXCL where flock is not available. It does
// not exclude Python processes.
type fileLock struct{ path string }

func lockFile(ctx context.Context, path string) (*fileLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("hub: lock %s: %w", path, err)
	}
	for {
		f, err := os.OpenFile(path+".excl", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
		if err == nil {
			f.Close()
			return &fileLock{path: path + ".excl"}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("hub: waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (l *fileLock) unlock() error { return os.Remove(l.path) }
