package hubtest

import (
	"encoding/hex"
	"testing"
	"time"
)

// The expected blob ids come from the recorded traces of the official clients
// against an independent Hub emulator (hub-traces/); the tree ids from
// `git write-tree` run on the same files (the trace emulator's directory oids
// are not git tree ids, the real Hub's are).
func TestGitIDs(t *testing.T) {
	tests := []struct {
		name string
		got  func() string
		want string
	}{
		{"blob of config.json", func() string { return gitBlobID([]byte("{\"model_type\":\"gpt2\",\"n_layer\":2}\n")) }, "c80add9bb80d9bcfffad3cb3d889d8b69d195b68"},
		{"blob of v1 config.json", func() string { return gitBlobID([]byte("{\"model_type\":\"gpt2\",\"n_layer\":1}\n")) }, "139d95d84e37e3e09571e71abe5dda5122246f87"},
		{"blob of {}", func() string { return gitBlobID([]byte("{}\n")) }, "0967ef424bce6791893e9a57bb952f80fd536e93"},
		{"LFS pointer blob of model.safetensors", func() string {
			return gitBlobID(lfsPointer("54ff07cba8a8e3e8563c5fd3d85b8f2b0a51fc9b5eaacc9c7d8d5f4fd842f12e", 65536))
		}, "a0bec2489c336f234b9fbecb283a92dc4b86f9aa"},
		{"LFS pointer blob of onnx/model.onnx", func() string {
			return gitBlobID(lfsPointer("b33de614bef80379cd36088a3b42ed09a9d07da1cdbf51fc1c93c91d76c97d6a", 4096))
		}, "8737cd504857652ab91844da5c8e3e743bae691d"},
		{"tree of onnx/", func() string {
			return treeIDs(map[string]string{"onnx/model.onnx": "8737cd504857652ab91844da5c8e3e743bae691d"})["onnx"]
		}, "ea20182df2c3c1b2dd61adafb6a729fc363e421b"}, // git write-tree; the trace emulator's directory oids are not git trees,
		{"root tree of onnx/model.onnx", func() string {
			return treeIDs(map[string]string{"onnx/model.onnx": "8737cd504857652ab91844da5c8e3e743bae691d"})[""]
		}, "6bfe8bac5a4740e011aef85a09dc8f7aa7064e42"}, // git write-tree
		{"root tree of a.txt and a/b", func() string {
			x := gitBlobID([]byte("x"))
			return treeIDs(map[string]string{"a.txt": x, "a/b": x})[""]
		}, "3abc15fffda73cadcc35d6c9a589a1ad08d216f5"}, // git write-tree
		{"empty blob", func() string { return gitBlobID(nil) }, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestLFSPointerSize(t *testing.T) {
	if n := len(lfsPointer("54ff07cba8a8e3e8563c5fd3d85b8f2b0a51fc9b5eaacc9c7d8d5f4fd842f12e", 65536)); n != 130 {
		t.Errorf("pointer size %d, want 130 (trace)", n)
	}
}

func TestTreeOrderDirectoryAfterDotFile(t *testing.T) {
	// git sorts "a.txt" before the directory "a" ("a/" > "a.txt"); a plain
	// name sort would put "a" first and change the id.
	blob := gitBlobID([]byte("x"))
	ids := treeIDs(map[string]string{"a.txt": blob, "a/b": blob})
	raw, _ := hex.DecodeString(ids["a"])
	rawBlob, _ := hex.DecodeString(blob)
	content := append([]byte("100644 a.txt\x00"), rawBlob...)
	content = append(append(content, "40000 a\x00"...), raw...)
	sum := gitHash("tree", content)
	if got, want := ids[""], hex.EncodeToString(sum[:]); got != want {
		t.Errorf("root tree %s, want %s", got, want)
	}
}

func TestCommitID(t *testing.T) {
	// git commit-tree 6bfe8bac… -m first, author and committer
	// "hubtest <hubtest@127.0.0.1>" at 1767323046 +0000.
	got := commitID("6bfe8bac5a4740e011aef85a09dc8f7aa7064e42", "", baseTime.Add(time.Second), "first")
	if want := "abd0dd01cdefe75e829b45498e2cf885735875c6"; got != want {
		t.Errorf("commit id %s, want %s (git commit-tree)", got, want)
	}
}
