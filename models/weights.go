package models

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/hftrain/hftrain/internal/safetensors"
)

// Init says how a new tensor is initialised, following transformers' _init_weights.
type Init struct {
	Kind       InitKind
	Std        float64 // for InitNormal
	PaddingIdx int     // for InitNormal on embeddings: this row is zeroed; -1 for none
}

// InitKind names an initialisation rule.
type InitKind int

// Initialisation rules of BertPreTrainedModel._init_weights and its siblings.
const (
	InitNormal InitKind = iota // normal(0, Std): Linear and Embedding weights
	InitZeros                  // Linear biases, LayerNorm biases
	InitOnes                   // LayerNorm weights
)

// Normal is normal(0, std) init with no padding row.
func Normal(std float64) Init { return Init{Kind: InitNormal, Std: std, PaddingIdx: -1} }

// Store is the state shared by the Builders of one model: the checkpoint being read (nil when
// building from scratch), the params made so far in state_dict order, and what to warn about.
type Store struct {
	tensors    map[string]*safetensors.Tensor
	basePrefix string // "bert.", "distilbert.", "roberta."
	used       map[string]bool
	rng        *rand.Rand
	// reinitHead makes a mis-shaped head tensor a re-initialisation (ignore_mismatched_sizes)
	// instead of an error; the loader sets it when the caller changed the number of labels.
	reinitHead bool

	params  []*Param
	newKeys []string // tensors initialised instead of loaded
}

// NewStore returns a Store reading tensors (nil: initialise everything) for a model whose
// backbone sits under basePrefix (e.g. "bert."); seed drives the initialisation.
func NewStore(tensors map[string]*safetensors.Tensor, basePrefix string, seed uint64, reinitHead bool) *Store {
	return &Store{
		tensors:    tensors,
		basePrefix: basePrefix,
		used:       map[string]bool{},
		rng:        rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed+0x14057b7ef767814f)), // not nn.RNG's stream
		reinitHead: reinitHead,
	}
}

// Params returns the params built so far, in the order they were built.
func (s *Store) Params() []*Param { return s.params }

// NewKeys lists the tensors that were initialised rather than loaded from the checkpoint.
func (s *Store) NewKeys() []string { return s.newKeys }

// UnusedKeys lists checkpoint tensors the model did not use, leaving out the non-persistent
// buffers (position_ids, token_type_ids) that old checkpoints still carry.
func (s *Store) UnusedKeys() []string {
	var out []string
	for _, k := range sortedKeys(s.tensors) {
		if s.used[k] || isBuffer(k) {
			continue
		}
		out = append(out, k)
	}
	return out
}

// Warn reports unused and newly initialised tensors through o.Warnf, as from_pretrained logs
// them.
func (s *Store) Warn(o Options, model string) {
	if s.tensors == nil {
		return
	}
	if u := s.UnusedKeys(); len(u) > 0 {
		o.Warn("%s: some checkpoint weights were not used: %s", model, strings.Join(u, ", "))
	}
	if n := s.NewKeys(); len(n) > 0 {
		o.Warn("%s: some weights were not in the checkpoint and are newly initialised "+
			"(train the model before using it): %s", model, strings.Join(n, ", "))
	}
}

func isBuffer(k string) bool {
	return strings.HasSuffix(k, "embeddings.position_ids") || strings.HasSuffix(k, "embeddings.token_type_ids")
}

// Builder makes params under a key prefix, so that the struct tree of a model mirrors the
// key tree of its checkpoint (candle's VarBuilder).
type Builder struct {
	store  *Store
	prefix string
	head   bool
}

// Root returns the Builder at the top of the key tree.
func (s *Store) Root() *Builder { return &Builder{store: s} }

// Push returns a Builder for the sub-tree name ("encoder" -> "encoder.").
func (b *Builder) Push(name string) *Builder {
	c := *b
	c.prefix = b.prefix + name + "."
	return &c
}

// Index returns a Builder for element i of a module list ("layer" -> "layer.3.").
func (b *Builder) Index(i int) *Builder { return b.Push(strconv.Itoa(i)) }

// Head marks the sub-tree as task head: its tensors may be missing from a pretrained
// checkpoint (they are initialised, with a warning) and, when the number of labels changed,
// mis-shaped.
func (b *Builder) Head() *Builder {
	c := *b
	c.head = true
	return &c
}

// Prefix is the key prefix of b, e.g. "bert.encoder.layer.0.".
func (b *Builder) Prefix() string { return b.prefix }

// Param makes the param prefix+name with the given shape, loaded from the checkpoint or
// initialised by init. noDecay marks it as excluded from weight decay.
func (b *Builder) Param(name string, shape []int, init Init, noDecay bool) (*Param, error) {
	key := b.prefix + name
	n := 1
	for _, d := range shape {
		n *= d
	}
	p := &Param{Name: key, Shape: slices.Clone(shape), Data: make([]float32, n), Grad: make([]float32, n), NoDecay: noDecay}
	s := b.store
	if s.tensors == nil {
		s.initParam(p, init)
		s.params = append(s.params, p)
		return p, nil
	}
	t, tkey := s.lookup(key)
	switch {
	case t == nil && b.head:
		s.initParam(p, init)
		s.newKeys = append(s.newKeys, key)
	case t == nil:
		return nil, fmt.Errorf("%w: %s (model expects shape %v, checkpoint has none)", ErrMissingTensor, key, shape)
	case !slices.Equal(t.Shape, shape) && b.head && s.reinitHead:
		s.used[tkey] = true
		s.initParam(p, init)
		s.newKeys = append(s.newKeys, fmt.Sprintf("%s (checkpoint shape %v, model shape %v)", key, t.Shape, shape))
	case !slices.Equal(t.Shape, shape):
		return nil, fmt.Errorf("%w: %s: checkpoint has %v, model expects %v", ErrShapeMismatch, tkey, t.Shape, shape)
	default:
		s.used[tkey] = true
		v, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("tensor %s: %w", tkey, err)
		}
		if len(v) != n {
			return nil, fmt.Errorf("%w: %s: %d values for shape %v", ErrShapeMismatch, tkey, len(v), shape)
		}
		copy(p.Data, v)
	}
	s.params = append(s.params, p)
	return p, nil
}

// lookup finds key in the checkpoint, also without the base-model prefix (a checkpoint saved
// from the bare base model, e.g. BertModel, has keys without "bert.").
func (s *Store) lookup(key string) (*safetensors.Tensor, string) {
	if t, ok := s.tensors[key]; ok {
		return t, key
	}
	if s.basePrefix != "" && strings.HasPrefix(key, s.basePrefix) {
		k := strings.TrimPrefix(key, s.basePrefix)
		if t, ok := s.tensors[k]; ok {
			return t, k
		}
	}
	return nil, ""
}

func (s *Store) initParam(p *Param, init Init) {
	switch init.Kind {
	case InitZeros:
		clear(p.Data)
	case InitOnes:
		for i := range p.Data {
			p.Data[i] = 1
		}
	case InitNormal:
		for i := range p.Data {
			p.Data[i] = float32(s.rng.NormFloat64() * init.Std)
		}
		if init.PaddingIdx >= 0 && len(p.Shape) == 2 && init.PaddingIdx < p.Shape[0] {
			row := p.Shape[1]
			clear(p.Data[init.PaddingIdx*row : (init.PaddingIdx+1)*row])
		}
	}
}

// Linear is torch.nn.Linear's parameters: weight [out, in], bias [out].
type Linear struct{ Weight, Bias *Param }

// LayerNorm is torch.nn.LayerNorm's parameters over the last axis.
type LayerNorm struct {
	Weight, Bias *Param
	Eps          float64
}

// Embedding is torch.nn.Embedding's table [num, dim]; PaddingIdx (-1 for none) is a row that
// gets no gradient, as torch does for padding_idx.
type Embedding struct {
	Weight     *Param
	PaddingIdx int
}

// Linear makes name.weight [out, in] (normal(0, std)) and name.bias [out] (zeros).
func (b *Builder) Linear(name string, in, out int, std float64) (Linear, error) {
	vb := b.Push(name)
	w, err := vb.Param("weight", []int{out, in}, Normal(std), false)
	if err != nil {
		return Linear{}, err
	}
	bias, err := vb.Param("bias", []int{out}, Init{Kind: InitZeros}, true)
	if err != nil {
		return Linear{}, err
	}
	return Linear{Weight: w, Bias: bias}, nil
}

// LayerNorm makes name.weight (ones) and name.bias (zeros), both [dim] and without decay
// (Trainer.get_decay_parameter_names leaves LayerNorm weights out).
func (b *Builder) LayerNorm(name string, dim int, eps float64) (LayerNorm, error) {
	vb := b.Push(name)
	w, err := vb.Param("weight", []int{dim}, Init{Kind: InitOnes}, true)
	if err != nil {
		return LayerNorm{}, err
	}
	bias, err := vb.Param("bias", []int{dim}, Init{Kind: InitZeros}, true)
	if err != nil {
		return LayerNorm{}, err
	}
	return LayerNorm{Weight: w, Bias: bias, Eps: eps}, nil
}

// Embedding makes name.weight [num, dim] (normal(0, std), the padding row zeroed).
func (b *Builder) Embedding(name string, num, dim, paddingIdx int, std float64) (Embedding, error) {
	if paddingIdx >= num {
		return Embedding{}, fmt.Errorf("%w: %sweight: padding_idx %d outside %d rows", ErrBadConfig, b.prefix+name+".", paddingIdx, num)
	}
	w, err := b.Push(name).Param("weight", []int{num, dim}, Init{Kind: InitNormal, Std: std, PaddingIdx: paddingIdx}, false)
	if err != nil {
		return Embedding{}, err
	}
	return Embedding{Weight: w, PaddingIdx: paddingIdx}, nil
}
