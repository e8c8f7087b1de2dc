package data_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hftrain/hftrain/data"
	"github.com/hftrain/hftrain/data/tokenizer"
)

// The whole pipeline: read a file, tokenize sentence pairs with their labels,
// hold out a validation split and cut the training rows into padded batches.
func Example() {
	ctx := context.Background()
	tbl, err := data.ReadFile(ctx, "testdata/sample.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	tok, err := tokenizer.FromFile("testdata/tiny_bert.tokenizer.json")
	if err != nil {
		log.Fatal(err)
	}
	ds, err := data.BuildClassification(ctx, tbl, tok, data.Spec{MaxSeqLength: 12})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ds.ProblemType, ds.Labels)
	fmt.Println("row 1:", ds.Examples[1].InputIDs, ds.Examples[1].TokenTypeIDs)

	train, val := data.SplitValidation(ds, 20, 1)
	fmt.Println("train/val rows:", len(train.Examples), len(val.Examples))

	b, err := data.NewBatcher(train, data.BatchOptions{BatchSize: 2, Shuffle: true, Seed: 7, Buckets: []int{8, 12}})
	if err != nil {
		log.Fatal(err)
	}
	for _, bt := range b.Epoch(0) {
		fmt.Printf("batch of %d rows padded to %d, rows %v, labels %v\n", bt.Size, bt.SeqLen, bt.Indices, bt.Labels)
	}
	// Output:
	// single_label_classification [contradiction entailment neutral]
	// row 1: [101 1003 1004 102 1015 1016 1017 1018 1019 1020 1021 102] [0 0 0 0 1 1 1 1 1 1 1 1]
	// train/val rows: 4 1
	// batch of 2 rows padded to 12, rows [2 0], labels [1 1]
	// batch of 2 rows padded to 8, rows [3 1], labels [2 2]
}
