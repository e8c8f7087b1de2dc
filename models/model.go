package models

import "context"

// Param is one trainable tensor, named exactly as transformers names it in its state_dict.
// Data is the backing storage shared by every compiled graph, so an optimizer that updates
// Data in place updates every graph at once.
type Param struct {
	Name  string
	Shape []int
	Data  []float32 // len = product(Shape)
	Grad  []float32 // accumulated gradient, same length as Data; the caller zeroes it
	// NoDecay marks biases and LayerNorm weights, which Hugging Face's Trainer excludes
	// from weight decay (Trainer.get_decay_parameter_names).
	NoDecay bool
}

// Batch is one padded batch in row-major [Size, SeqLen] layout.
type Batch struct {
	Size, SeqLen  int
	InputIDs      []int32 // [Size*SeqLen]
	AttentionMask []int32 // [Size*SeqLen], 1 for real tokens, 0 for padding
	TokenTypeIDs  []int32 // [Size*SeqLen], or nil for all zeros
	// Labels holds class ids for single_label_classification: [Size].
	Labels []int32
	// FloatLabels holds targets for regression and multi_label_classification:
	// [Size*NumLabels].
	FloatLabels []float32
}

// Output is what a forward pass returns.
type Output struct {
	Logits []float32 // [Size*NumLabels]
	Loss   float32   // mean loss over the batch; 0 when the batch has no labels
}

// Model is a transformer with a task head, ready to run and train.
type Model interface {
	// Info describes the loaded model (type, head, labels).
	Info() Info
	// Params lists trainable tensors in a fixed order (the order of the state_dict).
	Params() []*Param
	// Forward runs the model in evaluation mode (no dropout, no gradients).
	Forward(ctx context.Context, b *Batch) (*Output, error)
	// ForwardBackward runs the model in training mode (dropout on, drawn from the model's
	// seeded RNG) and adds gradScale * d(mean batch loss)/d(param) to every Param.Grad.
	ForwardBackward(ctx context.Context, b *Batch, gradScale float32) (*Output, error)
	// Save writes config.json and model.safetensors (metadata {"format":"pt"}) to dir in the
	// layout transformers' from_pretrained loads with no missing or unexpected keys.
	Save(dir string) error
	// Close releases compiled graphs.
	Close() error
}

// Info describes a model as the trainer and the CLI need it.
type Info struct {
	ModelType    string         // "bert", "distilbert", "roberta"
	Architecture string         // e.g. "BertForSequenceClassification"
	NumLabels    int            // number of logits per example
	ProblemType  string         // single_label_classification | multi_label_classification | regression
	ID2Label     map[int]string // label names, id -> name
	MaxPositions int            // max_position_embeddings usable for input (RoBERTa: minus padding offset)
	PadTokenID   int            // pad_token_id from config.json
	VocabSize    int            // vocab_size from config.json
}
