package distilbert

import (
	"context"
	"fmt"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/nn"
	G "gorgonia.org/gorgonia"
)

// Architecture is the transformers class ForSequenceClassification mirrors.
const Architecture = "DistilBertForSequenceClassification"

// ForSequenceClassification mirrors DistilBertForSequenceClassification: h[:, 0] ->
// pre_classifier -> ReLU -> dropout(seq_classif_dropout) -> classifier.
type ForSequenceClassification struct {
	Config        Config
	DistilBert    *Model
	PreClassifier models.Linear
	Classifier    models.Linear
	Dropout       float64
	params        []*models.Param
}

// NewForSequenceClassification builds the model from c, reading tensors through store.
func NewForSequenceClassification(store *models.Store, c Config) (*ForSequenceClassification, error) {
	root := store.Root()
	m, err := NewModel(root.Push("distilbert"), &c)
	if err != nil {
		return nil, fmt.Errorf("distilbert: %w", err)
	}
	head := root.Head()
	pre, err := head.Linear("pre_classifier", c.Dim, c.Dim, c.InitializerRange)
	if err != nil {
		return nil, fmt.Errorf("distilbert: %w", err)
	}
	cls, err := head.Linear("classifier", c.Dim, c.NumLabels(), c.InitializerRange)
	if err != nil {
		return nil, fmt.Errorf("distilbert: %w", err)
	}
	return &ForSequenceClassification{Config: c, DistilBert: m, PreClassifier: pre, Classifier: cls,
		Dropout: c.SeqClassifDropout, params: store.Params()}, nil
}

// Load reads a pretrained folder as DistilBertForSequenceClassification.from_pretrained does.
func Load(ctx context.Context, dir string, o models.Options) (*models.Classifier, error) {
	return models.LoadClassifier(ctx, dir, o, "distilbert", "distilbert.", DefaultConfig(), NewForSequenceClassification)
}

// New makes a randomly initialised model from config.json data (nil: DefaultConfig).
func New(data []byte, o models.Options) (*models.Classifier, error) {
	return models.NewRandomClassifier(data, o, "distilbert", "distilbert.", DefaultConfig(), NewForSequenceClassification)
}

// Info implements models.Arch.
func (m *ForSequenceClassification) Info() models.Info {
	info := m.Config.HeadInfo("distilbert", Architecture)
	info.MaxPositions = m.Config.MaxPositionEmbeddings
	info.PadTokenID = m.Config.PadTokenID
	info.VocabSize = m.Config.VocabSize
	return info
}

// Params implements models.Arch.
func (m *ForSequenceClassification) Params() []*models.Param { return m.params }

// TypeVocabSize implements models.Arch: DistilBERT takes no token types.
func (m *ForSequenceClassification) TypeVocabSize() int { return 0 }

// Embeddings implements models.Arch.
func (m *ForSequenceClassification) Embeddings() []models.Embedding {
	e := m.DistilBert.Embeddings
	return []models.Embedding{e.WordEmbeddings, e.PositionEmbeddings}
}

// PositionIDs implements models.Arch: 0..S-1 in every row.
func (m *ForSequenceClassification) PositionIDs(b *models.Batch, dst []float32) {
	models.AbsolutePositions(b, dst)
}

// Logits implements models.Arch.
func (m *ForSequenceClassification) Logits(gb *models.GraphBuilder) (*G.Node, error) {
	h, err := m.DistilBert.Forward(gb)
	if err != nil {
		return nil, fmt.Errorf("distilbert: %w", err)
	}
	x, err := nn.SelectFirstToken(h, gb.Batch, gb.Seq) // [B, dim]
	if err != nil {
		return nil, fmt.Errorf("distilbert: %w", err)
	}
	if x, err = gb.Linear(m.PreClassifier, x); err != nil {
		return nil, fmt.Errorf("distilbert: %w", err)
	}
	if x, err = nn.ReLU(x); err != nil {
		return nil, fmt.Errorf("distilbert: %w", err)
	}
	if x, err = gb.Dropout(x, m.Dropout); err != nil {
		return nil, fmt.Errorf("distilbert: %w", err)
	}
	return gb.Linear(m.Classifier, x) // [B, num_labels]
}

// ConfigJSON implements models.Arch.
func (m *ForSequenceClassification) ConfigJSON(problemType string) ([]byte, error) {
	c := m.Config
	c.SetProblem(problemType)
	return models.MarshalForSave(&c, Architecture)
}
