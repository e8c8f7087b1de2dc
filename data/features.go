package data

import (
	"encoding/json"
	"fmt"
)

// hfMetadataKey is the Arrow schema / Parquet key-value metadata key under
// which Hugging Face datasets stores its Features (dataset_info).
const hfMetadataKey = "huggingface"

// ClassNames returns the label names the file declares for column when
// Hugging Face datasets wrote it as a ClassLabel (or a list of ClassLabels,
// as multi-label datasets do), and nil otherwise.
func (t *Table) ClassNames(column string) []string {
	names := t.classNames[column]
	if names == nil {
		return nil
	}
	return append([]string(nil), names...)
}

// parseHFFeatures extracts the ClassLabel names from the "huggingface"
// metadata JSON: {"info": {"features": {"label": {"names": [...],
// "_type": "ClassLabel"}, "labels": {"feature": {"names": [...]},
// "_type": "Sequence"}}}}.
func parseHFFeatures(raw string) (map[string][]string, error) {
	type classLabel struct {
		Type    string      `json:"_type"`
		Names   []string    `json:"names"`
		Feature *classLabel `json:"feature"`
	}
	var meta struct {
		Info struct {
			Features map[string]json.RawMessage `json:"features"`
		} `json:"info"`
	}
	if err := json.Unmarshal([]byte(raw), &meta); err != nil {
		return nil, fmt.Errorf("%q metadata: %w", hfMetadataKey, err)
	}
	out := make(map[string][]string)
	for name, f := range meta.Info.Features {
		var cl classLabel
		if json.Unmarshal(f, &cl) != nil {
			continue // a feature of another shape (a list or dict of features)
		}
		switch {
		case cl.Type == "ClassLabel" && cl.Names != nil:
			out[name] = cl.Names
		case cl.Feature != nil && cl.Feature.Type == "ClassLabel" && cl.Feature.Names != nil:
			out[name] = cl.Feature.Names
		}
	}
	return out, nil
}

// setHFMetadata records the ClassLabel names found in raw; malformed metadata
// is ignored, as the data itself is still readable.
func (t *Table) setHFMetadata(raw string) {
	if raw == "" {
		return
	}
	names, err := parseHFFeatures(raw)
	if err == nil && len(names) > 0 {
		t.classNames = names
	}
}
