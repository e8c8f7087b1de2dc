package main

import (
	"strings"
	"testing"
)

func TestParseHubPath(t *testing.T) {
	tests := []struct {
		in                     string
		repo, rev, folder, err string
	}{
		{in: "hf://me/model/last-checkpoint", repo: "me/model", rev: "main", folder: "last-checkpoint"},
		{in: "hf://me/model@v2/checkpoint-500", repo: "me/model", rev: "v2", folder: "checkpoint-500"},
		{in: "hf://me/model@refs%2Fpr%2F1/last-checkpoint", repo: "me/model", rev: "refs/pr/1", folder: "last-checkpoint"},
		{in: "hf://model/last-checkpoint", repo: "model", rev: "main", folder: "last-checkpoint"},
		{in: "hf://me/model/runs/last-checkpoint", repo: "me/model", rev: "main", folder: "runs/last-checkpoint"},
		{in: "hf://me", err: `want hf://<repo_id>`},
		{in: "hf://me/model/../x", err: "empty, . or .."},
		{in: "hf://me//x", err: "empty, . or .."},
		{in: "hf://me/model@%zz/x", err: "revision"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			repo, rev, folder, err := parseHubPath(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseHubPath(%q) = %v, want error with %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || repo != tt.repo || rev != tt.rev || folder != tt.folder {
				t.Errorf("parseHubPath(%q) = %q, %q, %q, %v", tt.in, repo, rev, folder, err)
			}
		})
	}
}
