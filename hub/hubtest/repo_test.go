package hubtest

import "testing"

func TestCommitHistory(t *testing.T) {
	s := New(t)
	s.AddRepo("model", "a/b", RepoOptions{})
	c1 := s.Commit("model", "a/b", "main", "one", map[string][]byte{"x.txt": []byte("1"), "d/y.txt": []byte("y")})
	c2 := s.Commit("model", "a/b", "main", "two", map[string][]byte{"x.txt": []byte("2")})
	c3 := s.Commit("model", "a/b", "main", "three", nil, "d/y.txt")
	dev := s.Commit("model", "a/b", "dev", "dev", map[string][]byte{"z.txt": []byte("z")})
	orphan := s.Commit("model", "a/b", "refs/convert/parquet", "convert", map[string][]byte{"p.parquet": []byte("p")})
	r := s.repos[repoKey("model", "a/b")]
	tests := []struct {
		name  string
		rev   string
		paths []string
	}{
		{"first", c1, []string{"d/y.txt", "x.txt"}},
		{"deleted", c3, []string{"x.txt"}},
		{"branch forks from main", "dev", []string{"x.txt", "z.txt"}},
		{"refs branch is an orphan", "refs/convert/parquet", []string{"p.parquet"}},
	}
	for _, tt := range tests {
		c := r.resolve(tt.rev)
		if c == nil {
			t.Fatalf("%s: %s does not resolve", tt.name, tt.rev)
		}
		if got := c.sortedPaths(); len(got) != len(tt.paths) || got[0] != tt.paths[0] || got[len(got)-1] != tt.paths[len(got)-1] {
			t.Errorf("%s: paths %v, want %v", tt.name, got, tt.paths)
		}
	}
	if c := r.commits[c3]; c.parent == nil || c.parent.id != c2 || c.lastCommit("x.txt").id != c2 {
		t.Errorf("history of %s is wrong", c3)
	}
	if c := r.commits[dev]; c.parent == nil || c.parent.id != c3 {
		t.Errorf("dev does not fork from main's head")
	}
	if r.commits[orphan].parent != nil {
		t.Errorf("refs/convert/parquet has a parent")
	}
	if c1 == c2 || c2 == c3 || !isHex40(c1) {
		t.Errorf("commit ids %s %s %s", c1, c2, c3)
	}
}
