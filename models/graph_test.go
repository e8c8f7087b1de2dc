package models

import (
	"errors"
	"testing"

	G "gorgonia.org/gorgonia"
)

// stubLayer checks that it gets its predecessor's output and returns its own node, or fails.
type stubLayer struct {
	in, out *G.Node
	err     error
}

func (l *stubLayer) Forward(_ *GraphBuilder, x *G.Node) (*G.Node, error) {
	if x != l.in {
		return nil, errors.New("wrong input")
	}
	return l.out, l.err
}

func TestForwardLayers(t *testing.T) {
	g := G.NewGraph()
	n := make([]*G.Node, 4)
	for i := range n {
		n[i] = G.NewScalar(g, G.Float32, G.WithName(string(rune('a'+i))))
	}
	boom := errors.New("boom")
	tests := []struct {
		name    string
		layers  []*stubLayer
		want    *G.Node
		wantErr string
	}{
		{"none", nil, n[0], ""},
		{"chain", []*stubLayer{{in: n[0], out: n[1]}, {in: n[1], out: n[2]}, {in: n[2], out: n[3]}}, n[3], ""},
		{"second fails", []*stubLayer{{in: n[0], out: n[1]}, {in: n[1], err: boom}, {in: n[2], out: n[3]}}, nil, "layer 1: boom"},
		{"out of order", []*stubLayer{{in: n[1], out: n[2]}}, nil, "layer 0: wrong input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ForwardLayers(&GraphBuilder{G: g}, n[0], tc.layers)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ForwardLayers = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
