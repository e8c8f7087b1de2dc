package tokenizer

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the package at the bottom of the import graph: the standard library and
// golang.org/x/text only, nothing of hftrain's.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, "golang.org/x/text/") {
			t.Errorf("data/tokenizer imports %q", imp)
		}
	}
}
