package hub

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hftrain/hftrain/hub/hubtest"
)

func TestRevisionCommit(t *testing.T) {
	f := newFixture(t)
	dev := f.srv.Commit("model", "emu-org/tiny-model", "dev", "on dev", map[string][]byte{"dev.txt": []byte("dev\n")})
	c := f.client(t, t.TempDir())
	ctx := context.Background()
	for _, tt := range []struct{ rev, want string }{
		{"", f.second},
		{"main", f.second},
		{"dev", dev},
		{"v1.0", f.first},
		{f.first, f.first},
	} {
		got, err := c.RevisionCommit(ctx, "model", "emu-org/tiny-model", tt.rev)
		if err != nil || got != tt.want {
			t.Errorf("RevisionCommit(%q) = %q, %v; want %q", tt.rev, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		name, typ, id, rev string
		kind               error
	}{
		{"missing branch", "model", "emu-org/tiny-model", "no-such-branch", ErrRevisionNotFound},
		{"missing repo", "model", "emu-org/nope", "main", ErrRepoNotFound},
		{"wrong type", "dataset", "emu-org/tiny-model", "main", ErrRepoNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.RevisionCommit(ctx, tt.typ, tt.id, tt.rev)
			var he *Error
			if got != "" || !errors.Is(err, tt.kind) || !errors.As(err, &he) {
				t.Fatalf("RevisionCommit = %q, %v; want an *Error of kind %v", got, err, tt.kind)
			}
			if he.RepoID != tt.id || he.Revision != tt.rev || !strings.Contains(err.Error(), tt.id) {
				t.Errorf("error %v names %s@%s, want %s@%s", err, he.RepoID, he.Revision, tt.id, tt.rev)
			}
		})
	}
	if _, err := c.RevisionCommit(ctx, "model", "a/b/c", "main"); err == nil {
		t.Error("bad repo id accepted")
	}
	if _, err := c.RevisionCommit(ctx, "model", "emu-org/tiny-model", "../main"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad revision: %v, want ErrInvalid", err)
	}
}

// TestRevisionCommitRefused: a private repository is ErrRepoNotFound and an unknown token
// ErrUnauthorized; an empty repository has no
// main yet; offline, no request is made.
func TestRevisionCommitRefused(t *testing.T) {
	srv := hubtest.New(t)
	srv.AddToken(testToken)
	srv.AddRepo("model", "emu-org/private", hubtest.RepoOptions{Private: true, Token: "hf_owner"})
	srv.AddRepo("model", "emu-org/empty", hubtest.RepoOptions{})
	ctx := context.Background()
	c := New(Options{Endpoint: srv.URL, Token: testToken, CacheDir: t.TempDir(), Backoff: time.Millisecond})
	if _, err := c.RevisionCommit(ctx, "model", "emu-org/private", "main"); !errors.Is(err, ErrRepoNotFound) {
		t.Errorf("private repo: %v, want ErrRepoNotFound", err)
	}
	bad := New(Options{Endpoint: srv.URL, Token: "hf_unknown", CacheDir: t.TempDir(), Backoff: time.Millisecond})
	if _, err := bad.RevisionCommit(ctx, "model", "emu-org/empty", "main"); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("unknown token: %v, want ErrUnauthorized", err)
	}
	if _, err := c.RevisionCommit(ctx, "model", "emu-org/empty", "main"); !errors.Is(err, ErrRevisionNotFound) {
		t.Errorf("empty repo: %v, want ErrRevisionNotFound", err)
	}
	srv.ResetRequests()
	off := New(Options{Endpoint: srv.URL, Token: testToken, CacheDir: t.TempDir(), Offline: true})
	if _, err := off.RevisionCommit(ctx, "model", "emu-org/empty", "main"); !errors.Is(err, ErrOffline) {
		t.Errorf("offline: %v, want ErrOffline", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("offline RevisionCommit made %d requests", n)
	}
}
