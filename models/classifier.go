package models

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"

	"github.com/hftrain/hftrain/internal/safetensors"
	"github.com/hftrain/hftrain/models/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Arch is what an architecture package (bert, distilbert, roberta) supplies to Classifier: its
// weights, its forward graph and its config.json.
type Arch interface {
	// Info describes the model; Classifier overrides ProblemType once it is inferred.
	Info() Info
	// Params are the trainable tensors in state_dict order.
	Params() []*Param
	// Logits builds the forward graph of one batch shape and returns the logits [B, labels].
	Logits(gb *GraphBuilder) (*G.Node, error)
	// PositionIDs fills dst [B*S] with the position ids of the batch.
	PositionIDs(b *Batch, dst []float32)
	// TypeVocabSize is the number of token types; 0 when the model takes none.
	TypeVocabSize() int
	// Embeddings lists the embedding tables whose padding row gets no gradient.
	Embeddings() []Embedding
	// ConfigJSON renders config.json with the given problem_type ("" = null).
	ConfigJSON(problemType string) ([]byte, error)
}

// Classifier runs an Arch as a Model: it compiles one graph and TapeMachine per batch shape
// and mode, caches them, and binds all of them to the same Param.Data.
type Classifier struct {
	arch    Arch
	info    Info
	params  []*Param
	problem string // problem_type, "" until set or inferred
	rng     *nn.RNG
	padRow  map[*Param]int

	mu        sync.Mutex
	graphs    map[graphKey]*compiled
	maxGraphs int
	clock     uint64 // run counter, for least-recently-used eviction
}

// DefaultMaxGraphs is how many compiled graphs a Classifier keeps before it drops the least
// recently used one: each training graph holds every activation of its batch shape, so a
// length-bucketed loader would otherwise grow memory with every new bucket.
const DefaultMaxGraphs = 12

type graphKey struct {
	batch, seq int
	train      bool
	loss       string // problem type of the loss node, "" for none
}

// compiled is one graph with its machine and the buffers its input nodes are bound to.
type compiled struct {
	vm                    G.VM
	ids, types, pos, mask []float32
	labels                []float32
	logits, loss          *G.Node
	params                []*Param
	grads                 []*G.Node
	hasTypes              bool
	lossKind              string // problem type of the loss, "" without labels
	lastUse               uint64
}

// NewClassifier wraps a built Arch; seed drives dropout.
func NewClassifier(a Arch, seed uint64) *Classifier {
	c := &Classifier{
		arch:      a,
		info:      a.Info(),
		params:    a.Params(),
		rng:       nn.NewRNG(seed),
		padRow:    map[*Param]int{},
		graphs:    map[graphKey]*compiled{},
		maxGraphs: DefaultMaxGraphs,
		problem:   a.Info().ProblemType,
	}
	for _, e := range a.Embeddings() {
		if e.PaddingIdx >= 0 {
			c.padRow[e.Weight] = e.PaddingIdx
		}
	}
	return c
}

// Info implements Model.
func (c *Classifier) Info() Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	info := c.info
	info.ProblemType = c.problem
	info.ID2Label = maps.Clone(info.ID2Label)
	return info
}

// Params implements Model.
func (c *Classifier) Params() []*Param { return c.params }

// RNGState returns the state of the dropout random source, so that a resumed run draws the
// same dropout masks as an uninterrupted one.
func (c *Classifier) RNGState() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.rng.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.info.Architecture, err)
	}
	return b, nil
}

// SetRNGState restores a state RNGState returned.
func (c *Classifier) SetRNGState(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.rng.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("%s: %w", c.info.Architecture, err)
	}
	return nil
}

// Forward implements Model.
func (c *Classifier) Forward(ctx context.Context, b *Batch) (*Output, error) {
	return c.run(ctx, b, false, 0)
}

// ForwardBackward implements Model.
func (c *Classifier) ForwardBackward(ctx context.Context, b *Batch, gradScale float32) (*Output, error) {
	return c.run(ctx, b, true, gradScale)
}

// Close implements Model.
func (c *Classifier) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for k, g := range c.graphs {
		if err := g.vm.Close(); err != nil && first == nil {
			first = fmt.Errorf("%s: close graph %dx%d: %w", c.info.Architecture, k.batch, k.seq, err)
		}
	}
	clear(c.graphs)
	return first
}

// Save implements Model: config.json and model.safetensors with metadata {"format": "pt"}.
func (c *Classifier) Save(dir string) error {
	c.mu.Lock()
	problem := c.problem
	c.mu.Unlock()
	cfg, err := c.arch.ConfigJSON(problem)
	if err != nil {
		return fmt.Errorf("%s: save: %w", c.info.Architecture, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: save: %w", c.info.Architecture, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "config.json"), cfg); err != nil {
		return fmt.Errorf("%s: save: %w", c.info.Architecture, err)
	}
	ts := make([]safetensors.Tensor, len(c.params))
	for i, p := range c.params {
		ts[i] = safetensors.FromFloat32(p.Name, p.Shape, p.Data)
	}
	path := filepath.Join(dir, "model.safetensors")
	if err := safetensors.WriteFile(path, ts, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("%s: save: %w", c.info.Architecture, err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (c *Classifier) run(ctx context.Context, b *Batch, train bool, gradScale float32) (out *Output, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkBatch(b); err != nil {
		return nil, fmt.Errorf("%s: %w", c.info.Architecture, err)
	}
	loss := c.problem
	if loss == "" {
		loss = InferProblemType(c.info.NumLabels, b)
	}
	if !hasLabels(b) {
		loss = ""
	}
	if train && loss == "" {
		return nil, fmt.Errorf("%s: %w: training needs labels", c.info.Architecture, ErrBadBatch)
	}
	if err := checkLabels(b, loss, c.info.NumLabels); err != nil {
		return nil, fmt.Errorf("%s: %w", c.info.Architecture, err)
	}
	if loss != "" && c.problem == "" {
		c.problem = loss // transformers stores the inferred problem_type in the config
	}
	// Gorgonia reports some failures by panicking; none may cross the package boundary. This
	// catches panics while building and compiling graphs; TapeMachine.RunAll executes ops on
	// its own goroutine, which no recover here can reach, so batches are validated up front
	// (checkBatch, checkLabels) and the nn ops return errors instead of panicking.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: batch %dx%d: gorgonia panic: %v", c.info.Architecture, b.Size, b.SeqLen, r)
		}
	}()
	key := graphKey{batch: b.Size, seq: b.SeqLen, train: train, loss: loss}
	g, ok := c.graphs[key]
	if !ok {
		c.evict()
		if g, err = c.compile(key); err != nil {
			return nil, fmt.Errorf("%s: build graph %dx%d: %w", c.info.Architecture, b.Size, b.SeqLen, err)
		}
		c.graphs[key] = g
	}
	c.clock++
	g.lastUse = c.clock
	c.fillInputs(g, b)
	defer g.vm.Reset()
	if err := g.vm.RunAll(); err != nil {
		return nil, fmt.Errorf("%s: run %dx%d: %w", c.info.Architecture, b.Size, b.SeqLen, err)
	}
	return c.collect(g, train, gradScale)
}

// SetMaxGraphs sets how many compiled graphs are cached (at least 1).
func (c *Classifier) SetMaxGraphs(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxGraphs = max(n, 1)
}

// NumGraphs is the number of compiled graphs in the cache.
func (c *Classifier) NumGraphs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.graphs)
}

// evict drops least recently used graphs until one more fits.
func (c *Classifier) evict() {
	for len(c.graphs) >= c.maxGraphs {
		var oldest graphKey
		var when uint64
		first := true
		for k, g := range c.graphs {
			if first || g.lastUse < when {
				oldest, when, first = k, g.lastUse, false
			}
		}
		_ = c.graphs[oldest].vm.Close() // closing a CPU TapeMachine only drops references
		delete(c.graphs, oldest)
	}
}

func hasLabels(b *Batch) bool { return b.Labels != nil || b.FloatLabels != nil }

// compile builds and compiles the graph of one key.
func (c *Classifier) compile(k graphKey) (*compiled, error) {
	g := G.NewGraph()
	n := k.batch * k.seq
	cg := &compiled{
		ids:  make([]float32, n),
		pos:  make([]float32, n),
		mask: make([]float32, n),
	}
	gb := &GraphBuilder{G: g, Batch: k.batch, Seq: k.seq, Train: k.train, nodes: map[*Param]*G.Node{}}
	if k.train {
		gb.rng = c.rng
	}
	gb.InputIDs = newInput(g, "input_ids", cg.ids, n)
	gb.PositionIDs = newInput(g, "position_ids", cg.pos, n)
	gb.Mask = newInput(g, "attention_mask", cg.mask, k.batch, k.seq)
	if c.arch.TypeVocabSize() > 0 {
		cg.types = make([]float32, n)
		cg.hasTypes = true
		gb.TokenTypeIDs = newInput(g, "token_type_ids", cg.types, n)
	}
	logits, err := c.arch.Logits(gb)
	if err != nil {
		return nil, err
	}
	cg.logits = logits
	if k.loss != "" {
		if cg.loss, err = c.lossNode(g, cg, logits, k); err != nil {
			return nil, err
		}
	}
	if k.train {
		nodes := make(G.Nodes, len(gb.params))
		for i, p := range gb.params {
			nodes[i] = gb.nodes[p]
		}
		if cg.grads, err = G.Grad(cg.loss, nodes...); err != nil {
			return nil, fmt.Errorf("gradients: %w", err)
		}
		cg.params = gb.params
	}
	// No BindDualValues: gradients are read from the gradient nodes themselves, which the
	// machine recomputes on every run, so nothing accumulates across runs (PERF.md bug 4).
	cg.vm = G.NewTapeMachine(g)
	return cg, nil
}

func (c *Classifier) lossNode(g *G.ExprGraph, cg *compiled, logits *G.Node, k graphKey) (*G.Node, error) {
	cg.lossKind = k.loss
	switch k.loss {
	case SingleLabel:
		cg.labels = make([]float32, k.batch)
		return nn.CrossEntropy(logits, newInput(g, "labels", cg.labels, k.batch))
	case MultiLabel:
		cg.labels = make([]float32, k.batch*c.info.NumLabels)
		return nn.BCEWithLogits(logits, newInput(g, "labels", cg.labels, k.batch, c.info.NumLabels))
	case Regression:
		cg.labels = make([]float32, k.batch*c.info.NumLabels)
		return nn.MSE(logits, newInput(g, "labels", cg.labels, k.batch, c.info.NumLabels))
	}
	return nil, fmt.Errorf("%w: problem_type %q", ErrBadConfig, k.loss)
}

func (c *Classifier) fillInputs(cg *compiled, b *Batch) {
	for i, v := range b.InputIDs {
		cg.ids[i] = float32(v)
	}
	for i, v := range b.AttentionMask {
		cg.mask[i] = float32(v)
	}
	if cg.hasTypes {
		if b.TokenTypeIDs == nil {
			clear(cg.types)
		} else {
			for i, v := range b.TokenTypeIDs {
				cg.types[i] = float32(v)
			}
		}
	}
	c.arch.PositionIDs(b, cg.pos)
	switch {
	case cg.lossKind == "":
	case cg.lossKind == SingleLabel || b.FloatLabels == nil:
		for i, v := range b.Labels { // class ids, or integer targets
			cg.labels[i] = float32(v)
		}
	default:
		copy(cg.labels, b.FloatLabels)
	}
}

// collect copies the logits and loss out and adds gradScale * gradients into Param.Grad.
func (c *Classifier) collect(cg *compiled, train bool, gradScale float32) (*Output, error) {
	lv, err := float32s(cg.logits.Value())
	if err != nil {
		return nil, fmt.Errorf("%s: logits: %w", c.info.Architecture, err)
	}
	out := &Output{Logits: append([]float32(nil), lv...)}
	if cg.loss != nil {
		v, err := float32s(cg.loss.Value())
		if err != nil || len(v) != 1 {
			return nil, fmt.Errorf("%s: loss: not a scalar (%v)", c.info.Architecture, err)
		}
		out.Loss = v[0]
	}
	if !train {
		return out, nil
	}
	for i, p := range cg.params {
		gv, err := float32s(cg.grads[i].Value())
		if err != nil || len(gv) != len(p.Grad) {
			return nil, fmt.Errorf("%s: gradient of %s: %d values for %d (%v)", c.info.Architecture, p.Name, len(gv), len(p.Grad), err)
		}
		if row, ok := c.padRow[p]; ok { // torch's padding_idx row gets no gradient
			lo, hi := row*p.Shape[1], (row+1)*p.Shape[1]
			axpy(gradScale, gv[:lo], p.Grad[:lo])
			axpy(gradScale, gv[hi:], p.Grad[hi:])
			continue
		}
		axpy(gradScale, gv, p.Grad)
	}
	return out, nil
}

// axpy adds a*x to y.
func axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	if a == 1 {
		for i, v := range x {
			y[i] += v
		}
		return
	}
	for i, v := range x {
		y[i] += a * v
	}
}

// float32s returns the float32 data of a Gorgonia value (tensor or scalar).
func float32s(v G.Value) ([]float32, error) {
	switch t := v.(type) {
	case nil:
		return nil, fmt.Errorf("no value")
	case *G.F32:
		return []float32{float32(*t)}, nil
	case tensor.Tensor:
		d, ok := t.Data().([]float32)
		if !ok {
			if s, ok := t.Data().(float32); ok {
				return []float32{s}, nil
			}
			return nil, fmt.Errorf("value of type %T", t.Data())
		}
		return d, nil
	}
	return nil, fmt.Errorf("value of type %T", v)
}
