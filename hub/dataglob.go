package hub

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Data file globs and builder inference, as the datasets library applies them to the files
// of a Hub dataset repository (huggingface/datasets src/datasets/data_files.py
// resolve_pattern, and src/datasets/load.py infer_module_for_data_files_list).

// filesToIgnore are never data files unless a pattern names them
// (data_files.py FILES_TO_IGNORE).
var filesToIgnore = map[string]bool{
	"README.md": true, "config.json": true, "dataset_info.json": true,
	"dataset_infos.json": true, "dummy_data.zip": true, "dataset_dict.json": true,
}

// globRegexp translates a data_files glob as fsspec ≥ 2023.12 does (its glob_translate is
// Python 3.13's glob.translate with recursive=True and include_hidden=True): "*" and "?" stay
// within one path segment, a segment "*" is one non-empty segment, a segment "**" is any
// number of segments (zero included), "[...]" is a character set.
func globRegexp(pat string) (*regexp.Regexp, error) {
	parts := strings.Split(pat, "/")
	last := len(parts) - 1
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i, part := range parts {
		switch {
		case part == "*":
			b.WriteString(`[^/]+`)
			if i < last {
				b.WriteString("/")
			}
		case part == "**" && i < last:
			if parts[i+1] != "**" {
				b.WriteString(`(?:.+/)?`)
			}
		case part == "**":
			b.WriteString(`.*`)
		default:
			b.WriteString(segmentRegexp(part))
			if i < last {
				b.WriteString("/")
			}
		}
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("hub: data_files pattern %q: %w", pat, err)
	}
	return re, nil
}

// segmentRegexp translates one path segment of a glob: "*" is any run of non-"/"
// characters, "?" one of them, "[seq]" / "[!seq]" a set, a "[" without "]" a literal.
func segmentRegexp(seg string) string { return translateGlob(seg, `[^/]*`, `[^/]`) }

// hasMagic reports whether a pattern has glob characters (Python glob.has_magic).
func hasMagic(p string) bool { return strings.ContainsAny(p, "*?[") }

// countParts counts the path segments of p for which keep is true.
func countParts(p string, keep func(string) bool) int {
	n := 0
	for _, s := range strings.Split(p, "/") {
		if keep(s) {
			n++
		}
	}
	return n
}

func isHiddenPart(s string) bool  { return strings.HasPrefix(s, ".") && strings.Trim(s, ".") != "" }
func isSpecialPart(s string) bool { return strings.HasPrefix(s, "__") }

// resolvePattern returns the files (sorted) that pattern matches, leaving out what
// resolve_pattern leaves out: FILES_TO_IGNORE (unless the pattern's base name is that
// name), hidden files and folders (".x") and special folders ("__x") that the pattern does
// not name explicitly (data_files.py _is_unrequested_hidden_file_or_is_inside_unrequested_hidden_dir
// and _is_inside_unrequested_special_dir).
func resolvePattern(files []string, pattern string) ([]string, error) {
	re, err := globRegexp(pattern)
	if err != nil {
		return nil, err
	}
	patHidden := countParts(pattern, isHiddenPart)
	patSpecial := countParts(path.Dir(pattern), isSpecialPart)
	var out []string
	for _, f := range files {
		if !re.MatchString(f) {
			continue
		}
		if base := path.Base(f); filesToIgnore[base] && base != path.Base(pattern) {
			continue
		}
		if countParts(f, isHiddenPart) != patHidden || countParts(path.Dir(f), isSpecialPart) != patSpecial {
			continue
		}
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// resolvePatterns concatenates the matches of patterns, in pattern order, each file once.
// A pattern without glob characters that matches nothing is an error (a path that does not
// exist), as in DataFilesList.from_patterns.
func resolvePatterns(files, patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		m, err := resolvePattern(files, p)
		if err != nil {
			return nil, err
		}
		if len(m) == 0 && !hasMagic(p) {
			return nil, fmt.Errorf("%w: data file %q is not in the repository", ErrNoDataFiles, p)
		}
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// extensionModule maps a file extension to the datasets builder ("packaged module") that
// reads it (src/datasets/packaged_modules/__init__.py _EXTENSION_TO_MODULE). Only the
// builders of supportedFormats are read by hftrain; the others are listed so that a repo
// whose files are mostly, say, .txt is recognised as a "text" dataset and refused, as it
// would not be read as CSV by datasets either. The image, audio and video extensions are a
// subset of datasets' lists.
var extensionModule = map[string]string{
	".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet",
	".geoparquet": "parquet", ".gpq": "parquet", ".arrow": "arrow", ".txt": "text",
	".tar": "webdataset", ".xml": "xml", ".hdf5": "hdf5", ".h5": "hdf5", ".eval": "eval",
	".lance": "lance", ".pdf": "pdffolder", ".nii": "niftifolder",
	".png": "imagefolder", ".jpg": "imagefolder", ".jpeg": "imagefolder", ".gif": "imagefolder",
	".bmp": "imagefolder", ".tif": "imagefolder", ".tiff": "imagefolder", ".webp": "imagefolder",
	".wav": "audiofolder", ".mp3": "audiofolder", ".flac": "audiofolder", ".ogg": "audiofolder",
	".opus": "audiofolder", ".m4a": "audiofolder",
	".mp4": "videofolder", ".avi": "videofolder", ".mkv": "videofolder", ".mov": "videofolder",
	".webm": "videofolder",
}

// supportedFormats are the builders whose files hftrain reads (the data package reads
// Parquet, Arrow IPC, JSON Lines or a JSON array, CSV and TSV, gzip-compressed or not), with
// the extensions each keeps (load.py filters the resolved files by _MODULE_TO_EXTENSIONS).
var supportedFormats = map[string][]string{
	"parquet": {".parquet", ".geoparquet", ".gpq"},
	"arrow":   {".arrow"},
	"json":    {".json", ".jsonl"},
	"csv":     {".csv", ".tsv"},
}

// inferFormat picks the builder for files as infer_module_for_data_files_list does: every
// "."-suffix of each base name is counted (train.csv.gz counts .csv and .gz), the most
// common known extension wins, ties go to .parquet, .jsonl, .json, .csv, then the
// alphabetically last extension (Python sorts the keys in reverse). It returns "" when no
// extension is known; the extension that decided is returned too.
func inferFormat(files []string) (module, ext string) {
	counts := map[string]int{}
	for _, f := range files {
		parts := strings.Split(path.Base(f), ".")
		for _, s := range parts[1:] {
			counts["."+strings.ToLower(s)]++
		}
	}
	exts := make([]string, 0, len(counts))
	for e := range counts {
		exts = append(exts, e)
	}
	prefer := map[string]int{".parquet": 4, ".jsonl": 3, ".json": 2, ".csv": 1}
	sort.Slice(exts, func(i, j int) bool {
		a, b := exts[i], exts[j]
		if counts[a] != counts[b] {
			return counts[a] > counts[b]
		}
		if prefer[a] != prefer[b] {
			return prefer[a] > prefer[b]
		}
		return a > b
	})
	for _, e := range exts {
		if m, ok := extensionModule[e]; ok {
			return m, e
		}
	}
	return "", ""
}

// keepFormat keeps the files whose name has one of the builder's extensions, optionally
// followed by more suffixes (a compression: .csv.gz), as DataFilesList.filter does with
// the regexp .*(ext)(\..+)?$ (case-sensitive, like the original).
func keepFormat(files []string, module string) []string {
	alts := make([]string, 0, len(supportedFormats[module]))
	for _, e := range supportedFormats[module] {
		alts = append(alts, regexp.QuoteMeta(e))
	}
	re := regexp.MustCompile(`(?s)\A.*(?:` + strings.Join(alts, "|") + `)(?:\..+)?\z`)
	var out []string
	for _, f := range files {
		if re.MatchString(f) {
			out = append(out, f)
		}
	}
	return out
}
