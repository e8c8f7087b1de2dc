package bert

import (
	"context"
	"fmt"

	"github.com/hftrain/hftrain/models"
	G "gorgonia.org/gorgonia"
)

// Architecture is the transformers class ForSequenceClassification mirrors.
const Architecture = "BertForSequenceClassification"

// ForSequenceClassification mirrors BertForSequenceClassification: BertModel with pooler,
// dropout(classifier_dropout or hidden_dropout_prob), then classifier [num_labels, H].
type ForSequenceClassification struct {
	Config     Config
	Bert       *Model
	Dropout    float64
	Classifier models.Linear
	params     []*models.Param
}

// NewForSequenceClassification builds the model from c, reading tensors through store.
func NewForSequenceClassification(store *models.Store, c Config) (*ForSequenceClassification, error) {
	root := store.Root()
	b, err := NewModel(root.Push("bert"), &c, -1, true)
	if err != nil {
		return nil, fmt.Errorf("bert: %w", err)
	}
	cls, err := root.Head().Linear("classifier", c.HiddenSize, c.NumLabels(), c.InitializerRange)
	if err != nil {
		return nil, fmt.Errorf("bert: %w", err)
	}
	return &ForSequenceClassification{Config: c, Bert: b, Dropout: c.ClassifierDropoutProb(), Classifier: cls, params: store.Params()}, nil
}

// Load reads a pretrained folder (config.json + model.safetensors or a sharded index) the way
// BertForSequenceClassification.from_pretrained does.
func Load(ctx context.Context, dir string, o models.Options) (*models.Classifier, error) {
	return models.LoadClassifier(ctx, dir, o, "bert", "bert.", DefaultConfig(), NewForSequenceClassification)
}

// New makes a randomly initialised model (transformers' _init_weights, seeded by o.Seed) from
// config.json data, or from DefaultConfig when data is nil.
func New(data []byte, o models.Options) (*models.Classifier, error) {
	return models.NewRandomClassifier(data, o, "bert", "bert.", DefaultConfig(), NewForSequenceClassification)
}

// Info implements models.Arch.
func (m *ForSequenceClassification) Info() models.Info {
	info := m.Config.HeadInfo("bert", Architecture)
	info.MaxPositions = m.Config.MaxPositionEmbeddings
	info.PadTokenID = m.Config.PadTokenID
	info.VocabSize = m.Config.VocabSize
	return info
}

// Params implements models.Arch.
func (m *ForSequenceClassification) Params() []*models.Param { return m.params }

// TypeVocabSize implements models.Arch.
func (m *ForSequenceClassification) TypeVocabSize() int { return m.Config.TypeVocabSize }

// Embeddings implements models.Arch.
func (m *ForSequenceClassification) Embeddings() []models.Embedding {
	e := m.Bert.Embeddings
	return []models.Embedding{e.WordEmbeddings, e.PositionEmbeddings, e.TokenTypeEmbeddings}
}

// PositionIDs implements models.Arch: BERT's positions are 0..S-1 in every row.
func (m *ForSequenceClassification) PositionIDs(b *models.Batch, dst []float32) {
	models.AbsolutePositions(b, dst)
}

// Logits implements models.Arch.
func (m *ForSequenceClassification) Logits(gb *models.GraphBuilder) (*G.Node, error) {
	h, err := m.Bert.Forward(gb)
	if err != nil {
		return nil, fmt.Errorf("bert: %w", err)
	}
	pooled, err := m.Bert.Pooler.Forward(gb, h) // [B, H]
	if err != nil {
		return nil, fmt.Errorf("bert: %w", err)
	}
	if pooled, err = gb.Dropout(pooled, m.Dropout); err != nil {
		return nil, fmt.Errorf("bert: %w", err)
	}
	return gb.Linear(m.Classifier, pooled) // [B, num_labels]
}

// ConfigJSON implements models.Arch.
func (m *ForSequenceClassification) ConfigJSON(problemType string) ([]byte, error) {
	c := m.Config
	c.SetProblem(problemType)
	return models.MarshalForSave(&c, Architecture)
}
