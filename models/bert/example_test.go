package bert_test

import (
	"fmt"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/bert"
)

// A randomly initialised BERT classifier from BertConfig's defaults with two overrides.
func ExampleNew() {
	m, err := bert.New(nil, models.Options{NumLabels: 3, ConfigOverrides: "num_hidden_layers=1,vocab_size=1000", Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	info := m.Info()
	fmt.Println(info.Architecture, info.NumLabels, info.MaxPositions, len(m.Params()))
	// Output: BertForSequenceClassification 3 512 25
}
