// Package spam holds the embedded demo dataset; its test checks the split the demo's accuracy
// figure depends on.
package spam

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hftrain/hftrain/data"
)

var spaces = regexp.MustCompile(`\s+`)

// body drops the subject line and normalises whitespace and case, as make_dataset.mjs keys its
// de-duplication.
func body(text string) string {
	_, b, _ := strings.Cut(text, "\n")
	return strings.ToLower(strings.TrimSpace(spaces.ReplaceAllString(b, " ")))
}

// TestNoTrainingEmailInValidation reads both Parquet files and checks that no validation email's
// body (nor its whole text) also occurs in the training split, and that the sizes and labels are
// the ones the README states.
func TestNoTrainingEmailInValidation(t *testing.T) {
	ctx := context.Background()
	read := func(p string) (texts, labels []string) {
		tb, err := data.ReadFile(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		tc, err := tb.Column("text")
		if err != nil {
			t.Fatal(err)
		}
		lc, err := tb.Column("label")
		if err != nil {
			t.Fatal(err)
		}
		for i := range tb.NumRows() {
			s, err := tc.String(i)
			if err != nil {
				t.Fatal(err)
			}
			l, err := lc.String(i)
			if err != nil {
				t.Fatal(err)
			}
			texts, labels = append(texts, s), append(labels, l)
		}
		return texts, labels
	}
	train, trainLabels := read("data/train.parquet")
	val, valLabels := read("data/validation.parquet")
	if len(train) != 4754 || len(val) != 833 {
		t.Errorf("got %d training and %d validation rows, want 4754 and 833", len(train), len(val))
	}
	seen := map[string]bool{}
	for _, s := range train {
		seen[s] = true
		if b := body(s); len(b) > 0 {
			seen["body:"+b] = true
		}
	}
	dup := 0
	for i, s := range val {
		if seen[s] || (len(body(s)) > 0 && seen["body:"+body(s)]) {
			dup++
			if dup <= 3 {
				t.Errorf("validation row %d also appears in the training split: %.80q", i, s)
			}
		}
	}
	if dup > 0 {
		t.Errorf("%d validation emails repeat a training email", dup)
	}
	count := func(ls []string) (spam int) {
		for _, l := range ls {
			if l != "spam" && l != "ham" {
				t.Fatalf("label %q", l)
			}
			if l == "spam" {
				spam++
			}
		}
		return spam
	}
	if s := count(trainLabels); s != 1283 {
		t.Errorf("%d spam training rows, want 1283", s)
	}
	if s := count(valLabels); s != 207 {
		t.Errorf("%d spam validation rows, want 207", s)
	}
}
