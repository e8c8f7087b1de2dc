package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Encode serializes tensors and metadata into a safetensors file.
//
// The layout is the one the Rust crate (and so safetensors.torch.save_file)
// writes: tensors sorted by dtype alignment, largest first (the Rust enum
// order: U64, I64, F64, F32, U32, I32, BF16, F16, U16, I16, I8, U8, BOOL),
// ties broken by name; the header is compact JSON with "__metadata__" first
// (its keys sorted) and the tensors in data order, padded with spaces to a
// multiple of 8 bytes so that every buffer is 8-byte aligned in the file.
// A nil metadata map writes no "__metadata__" key; transformers expects
// {"format": "pt"}.
//
// Every tensor is checked (known dtype, Data length matching the shape) and
// names must be unique and must not be "__metadata__".
func Encode(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	order, header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return nil, fmt.Errorf("safetensors: encode: %w", err)
	}
	size := 8 + len(header)
	for _, i := range order {
		size += len(tensors[i].Data)
	}
	out := make([]byte, 8, size)
	binary.LittleEndian.PutUint64(out, uint64(len(header)))
	out = append(out, header...)
	for _, i := range order {
		out = append(out, tensors[i].Data...)
	}
	return out, nil
}

// headerTensor is the JSON form of one tensor record; field order matches
// the Rust crate's TensorInfo.
type headerTensor struct {
	DType       DType  `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets [2]int `json:"data_offsets"`
}

// encodeHeader validates the tensors, chooses their order in the data
// section and returns that order with the padded header bytes.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]int, []byte, error) {
	seen := make(map[string]bool, len(tensors))
	for i := range tensors {
		t := &tensors[i]
		if _, err := t.check(); err != nil {
			return nil, nil, err
		}
		if t.Name == metadataKey {
			return nil, nil, fmt.Errorf("tensor name %q is reserved", metadataKey)
		}
		if seen[t.Name] {
			return nil, nil, fmt.Errorf("duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
	}
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ta, tb := &tensors[order[a]], &tensors[order[b]]
		ra, _ := dtypeTable(ta.DType)
		rb, _ := dtypeTable(tb.DType)
		if ra.rank != rb.rank {
			return ra.rank > rb.rank
		}
		return ta.Name < tb.Name
	})

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // serde_json does not escape <, > or &
	buf.WriteByte('{')
	first := true
	writeKV := func(key string, v any) error {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		if err := enc.Encode(key); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encoder appends a newline
		buf.WriteByte(':')
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1)
		return nil
	}
	if metadata != nil {
		if err := writeKV(metadataKey, metadata); err != nil {
			return nil, nil, fmt.Errorf("metadata: %w", err)
		}
	}
	offset := 0
	for _, i := range order {
		t := &tensors[i]
		ht := headerTensor{DType: t.DType, Shape: cloneShape(t.Shape),
			DataOffsets: [2]int{offset, offset + len(t.Data)}}
		offset += len(t.Data)
		if err := writeKV(t.Name, ht); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
	}
	buf.WriteByte('}')
	for buf.Len()%8 != 0 {
		buf.WriteByte(' ')
	}
	return order, buf.Bytes(), nil
}

// WriteFile encodes tensors and metadata (see Encode) and writes them to
// path atomically: the bytes go to a temporary file in the same directory,
// which is synced, closed and renamed over path, and then the directory is
// synced. On any failure the temporary file is removed and path is left as
// it was.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	order, header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %s: encode: %w", path, err)
	}
	write := func(w io.Writer) error {
		var prefix [8]byte
		binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
		if _, err := w.Write(prefix[:]); err != nil {
			return err
		}
		if _, err := w.Write(header); err != nil {
			return err
		}
		for _, i := range order {
			if _, err := w.Write(tensors[i].Data); err != nil {
				return err
			}
		}
		return nil
	}
	if err := writeAtomic(path, write); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

// writeAtomic streams the content produced by write to path through a
// synced temporary file in the same directory and a rename, so path is never
// seen half-written.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close() // already failed; the first error is the one to report
			_ = os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err = write(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory so that a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil && !errors.Is(serr, os.ErrInvalid) {
		return fmt.Errorf("sync directory: %w", serr)
	}
	return cerr
}
