package roberta

import (
	"context"
	"fmt"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/bert"
	"github.com/hftrain/hftrain/models/nn"
	G "gorgonia.org/gorgonia"
)

// Architecture is the transformers class ForSequenceClassification mirrors.
const Architecture = "RobertaForSequenceClassification"

// The head and the position ids transcribe transformers' modeling_roberta.py, pinned at
// https://github.com/huggingface/transformers/blob/000824f17f924a8b520edf04c597c461fc83356a/src/transformers/models/roberta/modeling_roberta.py
// (RobertaClassificationHead, create_position_ids_from_input_ids); the encoder is BERT's.

// ClassificationHead mirrors RobertaClassificationHead: h[:, 0] -> dropout -> dense -> tanh ->
// dropout -> out_proj.
type ClassificationHead struct {
	Dense, OutProj models.Linear
	Dropout        float64
}

// ForSequenceClassification mirrors RobertaForSequenceClassification: RobertaModel without
// pooler and the classification head.
type ForSequenceClassification struct {
	Config     Config
	Roberta    *bert.Model
	Classifier ClassificationHead
	params     []*models.Param
}

// NewForSequenceClassification builds the model from c, reading tensors through store.
func NewForSequenceClassification(store *models.Store, c Config) (*ForSequenceClassification, error) {
	root := store.Root()
	// RobertaEmbeddings' position table has padding_idx = pad_token_id.
	m, err := bert.NewModel(root.Push("roberta"), &c.Config, c.PadTokenID, false)
	if err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	head := root.Head().Push("classifier")
	var h ClassificationHead
	if h.Dense, err = head.Linear("dense", c.HiddenSize, c.HiddenSize, c.InitializerRange); err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	if h.OutProj, err = head.Linear("out_proj", c.HiddenSize, c.NumLabels(), c.InitializerRange); err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	h.Dropout = c.ClassifierDropoutProb()
	return &ForSequenceClassification{Config: c, Roberta: m, Classifier: h, params: store.Params()}, nil
}

// Load reads a pretrained folder as RobertaForSequenceClassification.from_pretrained does; the
// pooler of a roberta-base checkpoint is unused (and reported as such).
func Load(ctx context.Context, dir string, o models.Options) (*models.Classifier, error) {
	return models.LoadClassifier(ctx, dir, o, "roberta", "roberta.", DefaultConfig(), NewForSequenceClassification)
}

// New makes a randomly initialised model from config.json data (nil: DefaultConfig).
func New(data []byte, o models.Options) (*models.Classifier, error) {
	return models.NewRandomClassifier(data, o, "roberta", "roberta.", DefaultConfig(), NewForSequenceClassification)
}

// Info implements models.Arch.
func (m *ForSequenceClassification) Info() models.Info {
	info := m.Config.HeadInfo("roberta", Architecture)
	info.MaxPositions = m.Config.MaxPositions()
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
	e := m.Roberta.Embeddings
	return []models.Embedding{e.WordEmbeddings, e.PositionEmbeddings, e.TokenTypeEmbeddings}
}

// PositionIDs implements models.Arch with create_position_ids_from_input_ids.
func (m *ForSequenceClassification) PositionIDs(b *models.Batch, dst []float32) {
	PositionIDs(b.InputIDs, b.SeqLen, m.Config.PadTokenID, dst)
}

// PositionIDs mirrors create_position_ids_from_input_ids: per row, real (non-pad) tokens get
// padding_idx + their running count, pad tokens get padding_idx.
func PositionIDs(ids []int32, seq, padID int, dst []float32) {
	for r := 0; r+seq <= len(ids); r += seq {
		n := 0
		for i := r; i < r+seq; i++ {
			if int(ids[i]) == padID {
				dst[i] = float32(padID)
				continue
			}
			n++
			dst[i] = float32(n + padID)
		}
	}
}

// Logits implements models.Arch.
func (m *ForSequenceClassification) Logits(gb *models.GraphBuilder) (*G.Node, error) {
	h, err := m.Roberta.Forward(gb)
	if err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	x, err := nn.SelectFirstToken(h, gb.Batch, gb.Seq) // [B, H], the <s> token
	if err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	c := &m.Classifier
	if x, err = gb.Dropout(x, c.Dropout); err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	if x, err = gb.Linear(c.Dense, x); err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	if x, err = nn.Tanh(x); err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	if x, err = gb.Dropout(x, c.Dropout); err != nil {
		return nil, fmt.Errorf("roberta: %w", err)
	}
	return gb.Linear(c.OutProj, x) // [B, num_labels]
}

// ConfigJSON implements models.Arch.
func (m *ForSequenceClassification) ConfigJSON(problemType string) ([]byte, error) {
	c := m.Config
	c.SetProblem(problemType)
	return models.MarshalForSave(&c, Architecture)
}
