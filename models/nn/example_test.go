package nn_test

import (
	"fmt"

	"github.com/hftrain/hftrain/models/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A classifier head (PyTorch gives loss 0.6668, grad b [0.0895 -0.0254]): build the graph once,
// differentiate it, run it, read the gradients, and zero them for the next step.
func Example() {
	g := G.NewGraph()
	param := func(name string, data []float32, shape ...int) *G.Node {
		// Every node gets a distinct name: Gorgonia merges unnamed inputs of equal shape.
		return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
	}
	x := param("x", []float32{1, 0, -1, 2, 0.5, 0.5}, 2, 3) // [batch, hidden]
	w := param("w", []float32{0.1, 0.2, 0.3, -0.1, 0.0, 0.4}, 2, 3)
	b := param("b", []float32{0, 0.1}, 2)
	labels := param("labels", []float32{1, 0}, 2)

	h, err := nn.Linear(x, w, b) // [batch, classes]
	if err != nil {
		fmt.Println(err)
		return
	}
	if h, err = nn.Tanh(h); err != nil {
		fmt.Println(err)
		return
	}
	loss, err := nn.CrossEntropy(h, labels)
	if err != nil {
		fmt.Println(err)
		return
	}
	params := G.Nodes{w, b}
	if _, err := G.Grad(loss, params...); err != nil {
		fmt.Println(err)
		return
	}
	m := G.NewTapeMachine(g, G.BindDualValues(params...))
	defer m.Close()
	if err := m.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	db, _ := b.Grad()
	fmt.Printf("loss %.4f\n", loss.Value().Data())
	fmt.Printf("d loss/d b %.4f\n", db.Data())
	// The machine adds the next run's gradients onto these: reset them.
	if err := nn.ZeroGrads(params); err != nil {
		fmt.Println(err)
	}
	// Output:
	// loss 0.6668
	// d loss/d b [0.0895 -0.0254]
}
