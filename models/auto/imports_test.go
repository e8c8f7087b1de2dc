package auto_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportLevels keeps the layering of STYLE.md: the models tree imports nothing above it
// (trainer, data, optim, distributed, hub, cmd).
func TestImportLevels(t *testing.T) {
	forbidden := []string{"trainer", "data", "optim", "distributed", "hub", "cmd", "config"}
	for _, dir := range []string{"..", "../bert", "../distilbert", "../roberta", "."} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ast, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range ast.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				rest, ok := strings.CutPrefix(path, "github.com/hftrain/hftrain/")
				if !ok {
					continue
				}
				top, _, _ := strings.Cut(rest, "/")
				for _, bad := range forbidden {
					if top == bad {
						t.Errorf("%s imports %s", f, path)
					}
				}
			}
		}
	}
}
