package data

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsStayBelowData keeps the layering: data sits under models,
// trainer and distributed, so it may import only its own subpackages.
func TestImportsStayBelowData(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/hftrain/hftrain/") && p != "github.com/hftrain/hftrain/data" && !strings.HasPrefix(p, "github.com/hftrain/hftrain/data/") {
				t.Errorf("%s imports %s: package data may only import data/...", f, p)
			}
		}
	}
}
