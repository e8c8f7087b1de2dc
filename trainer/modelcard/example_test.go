package modelcard_test

import (
	"fmt"
	"strings"

	"github.com/hftrain/hftrain/trainer/modelcard"
)

func Example() {
	card := &modelcard.Card{
		ModelName: "bert-sst2",
		BaseModel: "google-bert/bert-base-uncased",
		Datasets:  []string{"stanfordnlp/sst2"},
		Task:      modelcard.Task{Type: "text-classification"},
		LogHistory: []map[string]float64{
			{"loss": 0.61234, "learning_rate": 1e-05, "epoch": 0.5, "step": 5},
			{"eval_loss": 0.4, "eval_accuracy": 0.8125, "eval_runtime": 1.5, "epoch": 1, "step": 10},
			{"train_runtime": 12.5, "train_loss": 0.55, "epoch": 1, "step": 10},
		},
		Versions: modelcard.DefaultVersions("0.1.0"),
	}
	md, err := card.Markdown()
	if err != nil {
		fmt.Println(err)
		return
	}
	_, results, _ := strings.Cut(string(md), "### Training results\n\n")
	table, _, _ := strings.Cut(results, "\n\n")
	fmt.Println(table)
	// Output:
	// | Training Loss | Epoch | Step | Validation Loss | Accuracy |
	// |:-------------:|:-----:|:----:|:---------------:|:--------:|
	// | 0.6123        | 1.0   | 10   | 0.4             | 0.8125   |
}
