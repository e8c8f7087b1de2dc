package hub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokenPath(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"HF_TOKEN_PATH wins", []string{"HOME=/h", "HF_HOME=/hf", "HF_TOKEN_PATH=/t/tok"}, "/t/tok"},
		{"HF_HOME", []string{"HOME=/h", "HF_HOME=/hf"}, "/hf/token"},
		{"HF_HOME with ~", []string{"HOME=/h", "HF_HOME=~/hf"}, "/h/hf/token"},
		{"XDG_CACHE_HOME", []string{"HOME=/h", "XDG_CACHE_HOME=/x"}, "/x/huggingface/token"},
		{"default", []string{"HOME=/h"}, "/h/.cache/huggingface/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TokenPath(tt.env); got != tt.want {
				t.Errorf("TokenPath = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSaveTokenThenOptions: a saved token is the bare token with mode 0600, replaces an earlier
// one, and OptionsFromEnv reads it back when HF_TOKEN is unset (and not when it is set).
func TestSaveTokenThenOptions(t *testing.T) {
	home := t.TempDir()
	env := []string{"HOME=/nowhere", "HF_HOME=" + filepath.Join(home, "hf")}
	p := TokenPath(env)
	for _, tok := range []string{"hf_first", " hf_second\n"} {
		if err := SaveToken(p, tok); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "hf_second" {
		t.Fatalf("token file = %q, %v; want the bare token hf_second", b, err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
	}
	if got := OptionsFromEnv(env).Token; got != "hf_second" {
		t.Errorf("OptionsFromEnv token = %q, want the saved one", got)
	}
	if got := OptionsFromEnv(append(env, "HF_TOKEN=hf_env")).Token; got != "hf_env" {
		t.Errorf("OptionsFromEnv token = %q, want HF_TOKEN's", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("left temporary files: %v", entries)
	}
	for _, bad := range []string{"", "hf_a b"} {
		if err := SaveToken(p, bad); err == nil || strings.Contains(err.Error(), "hf_a") {
			t.Errorf("SaveToken(%q) = %v, want an error without the token", bad, err)
		}
	}
}
