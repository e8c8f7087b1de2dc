package config_test

import (
	"fmt"

	"github.com/hftrain/hftrain/config"
)

func ExampleLoad() {
	cfg, err := config.Load("testdata/finetune.yaml",
		[]string{"HFTRAIN_LEARNING_RATE=3e-5"},
		[]string{"num_train_epochs=2"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Model.ModelNameOrPath, cfg.Training.LearningRate, cfg.Training.NumTrainEpochs)
	fmt.Println(cfg.TextColumns())
	// Output:
	// distilbert-base-uncased 3e-05 2
	// [sentence1 sentence2]
}

func ExampleLoad_unknownKey() {
	_, err := config.Load("", nil, []string{"output_dir=out", "model_type=bert", "learning_rat=3e-5"})
	fmt.Println(err)
	// Output:
	// config: unknown key "learning_rat" in --set (did you mean "learning_rate"?)
}
