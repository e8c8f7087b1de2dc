package hub

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOptionsFromEnv(t *testing.T) {
	home := t.TempDir()
	hfHome := filepath.Join(home, "hf")
	if err := os.MkdirAll(hfHome, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hfHome, "token"), []byte("  hf_fromfile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		want Options
	}{
		{"defaults", []string{"HOME=" + home},
			Options{CacheDir: filepath.Join(home, ".cache/huggingface/hub")}},
		{"xdg", []string{"HOME=" + home, "XDG_CACHE_HOME=/x"},
			Options{CacheDir: "/x/huggingface/hub"}},
		{"hf_home token file", []string{"HOME=" + home, "HF_HOME=" + hfHome, "HF_ENDPOINT=http://127.0.0.1:9/"},
			Options{Endpoint: "http://127.0.0.1:9", CacheDir: filepath.Join(hfHome, "hub"), Token: "hf_fromfile"}},
		{"env token wins", []string{"HOME=" + home, "HF_HOME=" + hfHome, "HF_TOKEN=hf_env"},
			Options{CacheDir: filepath.Join(hfHome, "hub"), Token: "hf_env"}},
		{"hub cache and tilde", []string{"HOME=" + home, "HF_HUB_CACHE=~/c", "HF_HUB_OFFLINE=1"},
			Options{CacheDir: filepath.Join(home, "c"), Offline: true}},
		{"legacy names", []string{"HOME=" + home, "HUGGINGFACE_HUB_CACHE=$HOME/old", "HUGGING_FACE_HUB_TOKEN=hf_old", "TRANSFORMERS_OFFLINE=yes"},
			Options{CacheDir: filepath.Join(home, "old"), Token: "hf_old", Offline: true}},
		{"offline false", []string{"HOME=" + home, "HF_HUB_OFFLINE=0"},
			Options{CacheDir: filepath.Join(home, ".cache/huggingface/hub")}},
		{"later entry wins", []string{"HOME=" + home, "HF_HUB_OFFLINE=0", "HF_HUB_OFFLINE=true"},
			Options{CacheDir: filepath.Join(home, ".cache/huggingface/hub"), Offline: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OptionsFromEnv(tt.env)
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestOrigin(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://huggingface.co", "https://huggingface.co:443"},
		{"https://HuggingFace.co:443/x", "https://huggingface.co:443"},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080"},
		{"http://127.0.0.1/a", "http://127.0.0.1:80"},
	}
	for _, tt := range tests {
		if got := originOf(tt.url); got != tt.want {
			t.Errorf("originOf(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestFnmatch pins the allow-pattern matching to Python's fnmatch.fnmatch with
// huggingface_hub's "dir/" → "dir/*" rule (expected values printed by Python 3.11).
func TestFnmatch(t *testing.T) {
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"*.json", "config.json", true},
		{"*.json", "onnx/config.json", true},
		{"*.safetensors", "model.safetensors", true},
		{"onnx/*", "onnx/model.onnx", true},
		{"onnx/", "onnx/model.onnx", true},
		{"onnx/*", "onnx", false},
		{"config.json", "config.json", true},
		{"config.json", "a/config.json", false},
		{"model-0000?-of-*.safetensors", "model-00001-of-00002.safetensors", true},
		{"[!m]*", "model.bin", false},
		{"[!m]*", "config.json", true},
		{"[a-c]*", "config.json", true},
		{"[", "[", true},
		{"a[", "a[", true},
		{"*.JSON", "config.json", false},
		{"data/*/train*", "data/x/y/train-0.parquet", true},
		{"[]]x", "]x", true},
		{"[^a]b", "^b", true},
	}
	for _, tt := range tests {
		m, err := compilePatterns([]string{tt.pat})
		if err != nil {
			t.Fatalf("%q: %v", tt.pat, err)
		}
		if got := m(tt.name); got != tt.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", tt.name, tt.pat, got, tt.want)
		}
	}
}
