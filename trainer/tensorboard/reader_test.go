package tensorboard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// This file reads tfevents files from the published TFRecord format, with
// its own bitwise CRC-32C, so that it shares no code with the writer.

// crc32cBitwise is CRC-32C (Castagnoli, reflected polynomial 0x82F63B78)
// computed one bit at a time.
func crc32cBitwise(data []byte) uint32 {
	crc := ^uint32(0)
	for _, b := range data {
		crc ^= uint32(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x82F63B78
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

func maskCRC(c uint32) uint32 { return ((c >> 15) | (c << 17)) + 0xa282ead8 }

var errCorrupt = errors.New("corrupt record")

// readRecords splits a tfevents file into record payloads, checking every
// length and both masked CRCs.
func readRecords(b []byte) ([][]byte, error) {
	var out [][]byte
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			return nil, fmt.Errorf("offset %d: truncated header: %w", off, errCorrupt)
		}
		lenBytes := b[off : off+8]
		n := binary.LittleEndian.Uint64(lenBytes)
		if got, want := binary.LittleEndian.Uint32(b[off+8:off+12]), maskCRC(crc32cBitwise(lenBytes)); got != want {
			return nil, fmt.Errorf("offset %d: length CRC %#x, want %#x: %w", off, got, want, errCorrupt)
		}
		off += 12
		if uint64(len(b)-off) < n+4 {
			return nil, fmt.Errorf("offset %d: length %d past end of file: %w", off, n, errCorrupt)
		}
		data := b[off : off+int(n)]
		off += int(n)
		if got, want := binary.LittleEndian.Uint32(b[off:off+4]), maskCRC(crc32cBitwise(data)); got != want {
			return nil, fmt.Errorf("offset %d: data CRC %#x, want %#x: %w", off, got, want, errCorrupt)
		}
		off += 4
		out = append(out, data)
	}
	return out, nil
}

// readDir returns the single events file in dir and its records.
func readDir(t *testing.T, dir string) (string, [][]byte) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "events.out.tfevents.*"))
	if err != nil || len(names) != 1 {
		t.Fatalf("event files in %s: %v (err %v), want exactly one", dir, names, err)
	}
	b, err := os.ReadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readRecords(b)
	if err != nil {
		t.Fatalf("%s: %v", names[0], err)
	}
	return names[0], recs
}

func TestCRC32C(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
	}{
		{"123456789", 0xe3069283}, // the CRC-32C check value
		{"", 0},
	}
	for _, tc := range tests {
		if got := crc32cBitwise([]byte(tc.in)); got != tc.want {
			t.Errorf("bitwise crc32c(%q) = %#x, want %#x", tc.in, got, tc.want)
		}
		// The writer's mask over the library CRC must agree with the test's.
		if got, want := maskedCRC([]byte(tc.in)), maskCRC(tc.want); got != want {
			t.Errorf("maskedCRC(%q) = %#x, want %#x", tc.in, got, want)
		}
	}
}

func TestRecordFraming(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	for step := range int64(5) {
		if err := w.AddScalar("train/loss", step, 1/float64(step+1), fixedTime); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path, recs := readDir(t, dir)
	if len(recs) != 6 {
		t.Fatalf("%d records, want 6 (file_version + 5 scalars)", len(recs))
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Flipping any single byte (in a length, a CRC or the data of either the
	// first or the last record) must be caught.
	for _, i := range []int{0, 3, 8, 11, 12, 20, len(good) - 5, len(good) - 1} {
		t.Run(fmt.Sprintf("flip%d", i), func(t *testing.T) {
			bad := append([]byte(nil), good...)
			bad[i] ^= 0x10
			if _, err := readRecords(bad); !errors.Is(err, errCorrupt) {
				t.Errorf("byte %d flipped: err = %v, want a corrupt record", i, err)
			}
		})
	}
	if _, err := readRecords(good[:len(good)-1]); !errors.Is(err, errCorrupt) {
		t.Errorf("truncated file: err = %v, want a corrupt record", err)
	}
}

func TestConcurrentAddScalar(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, perG = 4, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				if err := w.AddScalar(fmt.Sprintf("g%d", g), int64(i), float64(i), fixedTime); err != nil {
					t.Error(err)
					return
				}
				if i%10 == 0 {
					if err := w.Flush(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, recs := readDir(t, dir); len(recs) != 1+goroutines*perG {
		t.Errorf("%d records, want %d", len(recs), 1+goroutines*perG)
	}
}
