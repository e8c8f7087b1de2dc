package config

// keyHints maps names users bring from other tools to the Hugging Face key,
// for typos that edit distance cannot bridge.
func keyHints() map[string]string {
	return map[string]string{
		"lr":               "learning_rate",
		"epochs":           "num_train_epochs",
		"num_epochs":       "num_train_epochs",
		"batch_size":       "per_device_train_batch_size",
		"train_batch_size": "per_device_train_batch_size",
		"eval_batch_size":  "per_device_eval_batch_size",
		"model":            "model_name_or_path",
		"model_name":       "model_name_or_path",
		"model_id":         "model_name_or_path",
		"warmup":           "warmup_steps",
		"scheduler":        "lr_scheduler_type",
		"optimizer":        "optim",
		"max_length":       "max_seq_length",
		"text_column":      "text_column_names",
		"label_column":     "label_column_name",
	}
}

// suggest returns the known name closest to key, or "" when nothing is
// close: within a third of the key's length, and at most 3 edits.
func suggest(key string, known []string) string {
	if h, ok := keyHints()[key]; ok {
		return h
	}
	limit := len([]rune(key)) / 3
	limit = max(1, min(3, limit))
	best, bestDist := "", limit+1
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment Damerau-Levenshtein distance:
// insertions, deletions, substitutions and adjacent transpositions each cost
// one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j].
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
