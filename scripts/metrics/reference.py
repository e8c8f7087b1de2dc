#!/usr/bin/python3
"""Independent reference for hftrain's metrics/seqeval and metrics/squad packages.

Run with the system Python (standard library only):

    /usr/bin/python3 scripts/metrics/reference.py generate   # (re)write the goldens
    /usr/bin/python3 scripts/metrics/reference.py check      # verify goldens are current

It transcribes, in plain Python (no numpy, no seqeval, no evaluate):

* seqeval 1.2.x default-mode (non-strict, conlleval-style) scoring:
  seqeval/metrics/sequence_labeling.py of github.com/chakki-works/seqeval --
  get_entities, end_of_chunk, start_of_chunk, precision_recall_fscore_support
  (the extract_tp_actual_correct closure) with seqeval/metrics/v1.py's
  _precision_recall_fscore_support and _prf_divide (zero_division='warn'),
  classification_report(output_dict=True) and accuracy_score; and the
  wrapping done by github.com/huggingface/evaluate metrics/seqeval/seqeval.py
  (_compute: per-type precision/recall/f1/number, overall_precision,
  overall_recall, overall_f1, overall_accuracy).
* The official SQuAD scripts: v1.1 (huggingface/evaluate
  metrics/squad/compute_score.py: normalize_answer, f1_score,
  exact_match_score, metric_max_over_ground_truths, compute_score) and v2.0
  (evaluate-v2.0.py as in huggingface/evaluate metrics/squad_v2/compute_score.py:
  make_qid_to_has_ans, get_tokens, compute_exact, compute_f1,
  get_raw_scores, apply_no_ans_threshold, make_eval_dict, merge_eval).

The golden cases are built here from a seeded random.Random, so the output is
deterministic for a given Python version (the Unicode tables depend on the
interpreter's unicodedata version, recorded in the golden).
"""

import collections
import json
import os
import random
import re
import string
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEQEVAL_GOLDEN = os.path.join(ROOT, "metrics", "seqeval", "testdata", "golden.json")
SQUAD_GOLDEN = os.path.join(ROOT, "metrics", "squad", "testdata", "golden.json")
SEED = 20261204

# ---------------------------------------------------------------------------
# seqeval (transcribed from seqeval/metrics/sequence_labeling.py, v1.2.x)
# ---------------------------------------------------------------------------


def get_entities(seq, suffix=False):
    # for nested list
    if any(isinstance(s, list) for s in seq):
        seq = [item for sublist in seq for item in sublist + ["O"]]

    prev_tag = "O"
    prev_type = ""
    begin_offset = 0
    chunks = []
    for i, chunk in enumerate(seq + ["O"]):
        if suffix:
            tag = chunk[-1]
            type_ = chunk[:-1].rsplit("-", maxsplit=1)[0] or "_"
        else:
            tag = chunk[0]
            type_ = chunk[1:].split("-", maxsplit=1)[-1] or "_"

        if end_of_chunk(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin_offset, i - 1))
        if start_of_chunk(prev_tag, tag, prev_type, type_):
            begin_offset = i
        prev_tag = tag
        prev_type = type_

    return chunks


def end_of_chunk(prev_tag, tag, prev_type, type_):
    chunk_end = False

    if prev_tag == "E":
        chunk_end = True
    if prev_tag == "S":
        chunk_end = True

    if prev_tag == "B" and tag == "B":
        chunk_end = True
    if prev_tag == "B" and tag == "S":
        chunk_end = True
    if prev_tag == "B" and tag == "O":
        chunk_end = True
    if prev_tag == "I" and tag == "B":
        chunk_end = True
    if prev_tag == "I" and tag == "S":
        chunk_end = True
    if prev_tag == "I" and tag == "O":
        chunk_end = True

    if prev_tag != "O" and prev_tag != "." and prev_type != type_:
        chunk_end = True

    return chunk_end


def start_of_chunk(prev_tag, tag, prev_type, type_):
    chunk_start = False

    if tag == "B":
        chunk_start = True
    if tag == "S":
        chunk_start = True

    if prev_tag == "E" and tag == "E":
        chunk_start = True
    if prev_tag == "E" and tag == "I":
        chunk_start = True
    if prev_tag == "S" and tag == "E":
        chunk_start = True
    if prev_tag == "S" and tag == "I":
        chunk_start = True
    if prev_tag == "O" and tag == "E":
        chunk_start = True
    if prev_tag == "O" and tag == "I":
        chunk_start = True

    if tag != "O" and tag != "." and prev_type != type_:
        chunk_start = True

    return chunk_start


def check_consistent_length(y_true, y_pred):
    # seqeval/metrics/v1.py check_consistent_length
    len_true = list(map(len, y_true))
    len_pred = list(map(len, y_pred))
    is_list = set(map(type, y_true)) | set(map(type, y_pred))
    if not is_list == {list}:
        raise TypeError("Found input variables without list of list.")
    if len(y_true) != len(y_pred) or len_true != len_pred:
        raise ValueError("Found input variables with inconsistent numbers of samples:\n{}\n{}".format(len_true, len_pred))


def extract_tp_actual_correct(y_true, y_pred, suffix=False):
    # sequence_labeling.precision_recall_fscore_support.extract_tp_actual_correct
    # (numpy int arrays replaced by lists of ints)
    entities_true = collections.defaultdict(set)
    entities_pred = collections.defaultdict(set)
    for type_name, start, end in get_entities(y_true, suffix):
        entities_true[type_name].add((start, end))
    for type_name, start, end in get_entities(y_pred, suffix):
        entities_pred[type_name].add((start, end))

    target_names = sorted(set(entities_true.keys()) | set(entities_pred.keys()))

    tp_sum, pred_sum, true_sum = [], [], []
    for type_name in target_names:
        entities_true_type = entities_true.get(type_name, set())
        entities_pred_type = entities_pred.get(type_name, set())
        tp_sum.append(len(entities_true_type & entities_pred_type))
        pred_sum.append(len(entities_pred_type))
        true_sum.append(len(entities_true_type))
    return target_names, pred_sum, tp_sum, true_sum


def prf_divide(numerator, denominator):
    # v1._prf_divide with zero_division='warn': 0.0 where the denominator is 0.
    # numpy's int/int true division is IEEE float64 division, as Python's.
    return [n / d if d != 0 else 0.0 for n, d in zip(numerator, denominator)]


def precision_recall_fscore_support(y_true, y_pred, average=None, beta=1.0):
    # v1._precision_recall_fscore_support for average in (None, 'micro'),
    # zero_division='warn', sample_weight=None.
    check_consistent_length(y_true, y_pred)
    _, pred_sum, tp_sum, true_sum = extract_tp_actual_correct(y_true, y_pred)
    if average == "micro":
        tp_sum = [sum(tp_sum)]
        pred_sum = [sum(pred_sum)]
        true_sum = [sum(true_sum)]
    beta2 = beta ** 2
    precision = prf_divide(tp_sum, pred_sum)
    recall = prf_divide(tp_sum, true_sum)
    f_score = []
    for p, r in zip(precision, recall):
        denom = beta2 * p + r
        if denom == 0.0:
            denom = 1  # avoid division by 0
        f_score.append((1 + beta2) * p * r / denom)
    if average is not None:
        # np.average of a one-element array is that element.
        return precision[0], recall[0], f_score[0], sum(true_sum)
    return precision, recall, f_score, true_sum


def accuracy_score(y_true, y_pred):
    if any(isinstance(s, list) for s in y_true):
        y_true = [item for sublist in y_true for item in sublist]
        y_pred = [item for sublist in y_pred for item in sublist]

    nb_correct = sum(y_t == y_p for y_t, y_p in zip(y_true, y_pred))
    nb_true = len(y_true)

    score = nb_correct / nb_true

    return score


def evaluate_seqeval(references, predictions):
    """evaluate's Seqeval._compute with defaults, minus macro_*/weighted_*."""
    # classification_report(output_dict=True), default mode
    target_names_true = {type_name for type_name, _, _ in get_entities(references)}
    target_names_pred = {type_name for type_name, _, _ in get_entities(predictions)}
    target_names = sorted(target_names_true | target_names_pred)
    p, r, f1, s = precision_recall_fscore_support(references, predictions, average=None)
    report = {}
    for name, pp, rr, ff, ss in zip(target_names, p, r, f1, s):
        report[name] = {"precision": pp, "recall": rr, "f1-score": ff, "support": ss}
    mp, mr, mf, ms = precision_recall_fscore_support(references, predictions, average="micro")

    scores = {
        type_name: {
            "precision": score["precision"],
            "recall": score["recall"],
            "f1": score["f1-score"],
            "number": score["support"],
        }
        for type_name, score in report.items()
    }
    scores["overall_precision"] = mp
    scores["overall_recall"] = mr
    scores["overall_f1"] = mf
    scores["overall_accuracy"] = accuracy_score(y_true=references, y_pred=predictions)
    return scores


# ---------------------------------------------------------------------------
# SQuAD v1.1 (transcribed from huggingface/evaluate metrics/squad/compute_score.py)
# ---------------------------------------------------------------------------


def normalize_answer_v1(s):
    """Lower text and remove punctuation, articles and extra whitespace."""

    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def f1_score_v1(prediction, ground_truth):
    prediction_tokens = normalize_answer_v1(prediction).split()
    ground_truth_tokens = normalize_answer_v1(ground_truth).split()
    common = collections.Counter(prediction_tokens) & collections.Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def exact_match_score_v1(prediction, ground_truth):
    return normalize_answer_v1(prediction) == normalize_answer_v1(ground_truth)


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    scores_for_ground_truths = []
    for ground_truth in ground_truths:
        score = metric_fn(prediction, ground_truth)
        scores_for_ground_truths.append(score)
    return max(scores_for_ground_truths)


def compute_score_v1(dataset, predictions):
    f1 = exact_match = total = 0
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                total += 1
                if qa["id"] not in predictions:
                    continue  # "Unanswered question ... will receive score 0."
                ground_truths = list(map(lambda x: x["text"], qa["answers"]))
                prediction = predictions[qa["id"]]
                exact_match += metric_max_over_ground_truths(exact_match_score_v1, prediction, ground_truths)
                f1 += metric_max_over_ground_truths(f1_score_v1, prediction, ground_truths)

    exact_match = 100.0 * exact_match / total
    f1 = 100.0 * f1 / total

    return {"exact_match": exact_match, "f1": f1}


# ---------------------------------------------------------------------------
# SQuAD v2.0 (transcribed from the official evaluate-v2.0.py, as in
# huggingface/evaluate metrics/squad_v2/compute_score.py)
# ---------------------------------------------------------------------------


def make_qid_to_has_ans(dataset):
    qid_to_has_ans = {}
    for article in dataset:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                qid_to_has_ans[qa["id"]] = bool(qa["answers"])
    return qid_to_has_ans


def normalize_answer_v2(s):
    """Lower text and remove punctuation, articles and extra whitespace."""

    def remove_articles(text):
        regex = re.compile(r"\b(a|an|the)\b", re.UNICODE)
        return re.sub(regex, " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def get_tokens(s):
    if not s:
        return []
    return normalize_answer_v2(s).split()


def compute_exact(a_gold, a_pred):
    return int(normalize_answer_v2(a_gold) == normalize_answer_v2(a_pred))


def compute_f1(a_gold, a_pred):
    gold_toks = get_tokens(a_gold)
    pred_toks = get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        # If either is no-answer, then F1 is 1 if they agree, 0 otherwise
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def get_raw_scores(dataset, preds):
    exact_scores = {}
    f1_scores = {}
    for article in dataset:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                qid = qa["id"]
                if qid not in preds:
                    continue  # "Missing prediction for ..."
                gold_answers = [a["text"] for a in qa["answers"] if normalize_answer_v2(a["text"])]
                if not gold_answers:
                    # For unanswerable questions, only correct answer is empty string
                    gold_answers = [""]
                a_pred = preds[qid]
                # Take max over all gold answers
                exact_scores[qid] = max(compute_exact(a, a_pred) for a in gold_answers)
                f1_scores[qid] = max(compute_f1(a, a_pred) for a in gold_answers)
    return exact_scores, f1_scores


def apply_no_ans_threshold(scores, na_probs, qid_to_has_ans, na_prob_thresh):
    new_scores = {}
    for qid, s in scores.items():
        pred_na = na_probs[qid] > na_prob_thresh
        if pred_na:
            new_scores[qid] = float(not qid_to_has_ans[qid])
        else:
            new_scores[qid] = s
    return new_scores


def make_eval_dict(exact_scores, f1_scores, qid_list=None):
    if not qid_list:
        total = len(exact_scores)
        return collections.OrderedDict(
            [
                ("exact", 100.0 * sum(exact_scores.values()) / total),
                ("f1", 100.0 * sum(f1_scores.values()) / total),
                ("total", total),
            ]
        )
    else:
        total = len(qid_list)
        return collections.OrderedDict(
            [
                ("exact", 100.0 * sum(exact_scores[k] for k in qid_list) / total),
                ("f1", 100.0 * sum(f1_scores[k] for k in qid_list) / total),
                ("total", total),
            ]
        )


def merge_eval(main_eval, new_eval, prefix):
    for k in new_eval:
        main_eval["%s_%s" % (prefix, k)] = new_eval[k]


def eval_squad_v2(dataset, preds):
    # main() of evaluate-v2.0.py without --na-prob-file: na_probs all 0.0,
    # na_prob_thresh 1.0 (so the threshold changes nothing).
    na_probs = {k: 0.0 for k in preds}
    qid_to_has_ans = make_qid_to_has_ans(dataset)  # maps qid to True/False
    has_ans_qids = [k for k, v in qid_to_has_ans.items() if v]
    no_ans_qids = [k for k, v in qid_to_has_ans.items() if not v]
    exact_raw, f1_raw = get_raw_scores(dataset, preds)
    exact_thresh = apply_no_ans_threshold(exact_raw, na_probs, qid_to_has_ans, 1.0)
    f1_thresh = apply_no_ans_threshold(f1_raw, na_probs, qid_to_has_ans, 1.0)
    out_eval = make_eval_dict(exact_thresh, f1_thresh)
    if has_ans_qids:
        has_ans_eval = make_eval_dict(exact_thresh, f1_thresh, qid_list=has_ans_qids)
        merge_eval(out_eval, has_ans_eval, "HasAns")
    if no_ans_qids:
        no_ans_eval = make_eval_dict(exact_thresh, f1_thresh, qid_list=no_ans_qids)
        merge_eval(out_eval, no_ans_eval, "NoAns")
    return dict(out_eval)


def make_dataset(refs):
    # One article, one paragraph, questions in sorted id order (the order in
    # which hftrain's Compute sums per-question scores).
    qas = [{"id": qid, "answers": [{"text": t} for t in refs[qid]]} for qid in sorted(refs)]
    return [{"paragraphs": [{"qas": qas}]}]


# ---------------------------------------------------------------------------
# Case generation
# ---------------------------------------------------------------------------

TYPES = ["PER", "LOC", "ORG", "MISC"]
WEIRD_LABELS = [
    "O", "B", "I", "E", "S", "X", ".", "PER", "LOC", "B-", "I-", "E-", "S-", "-PER",
    "O-PER", ".-LOC", ".", "B-A-B", "I-A-B", "Ü-PER", "B-ÜBER", "I-ÜBER", "BI-PER",
    "i-per", "B-per", "I-PER-X", "M-PER", "L-PER", "U-LOC", "\U0001d505-PER", "B-_", "I-_",
]


def scheme_sequence(rng, scheme, n):
    """A well-formed sequence of n tags in the given scheme."""
    spans = []  # (start, end_inclusive, type)
    i = 0
    while i < n:
        if rng.random() < 0.45:
            length = min(n - i, rng.choice([1, 1, 2, 2, 3, 4]))
            spans.append((i, i + length - 1, rng.choice(TYPES)))
            i += length
            if rng.random() < 0.6:
                i += rng.randint(1, 3)  # some O tokens (sometimes adjacent entities)
        else:
            i += 1
    tags = ["O"] * n
    prev = None  # previous span
    for (s, e, t) in spans:
        adjacent_same = prev is not None and prev[1] == s - 1 and prev[2] == t
        for k in range(s, e + 1):
            if scheme == "IOB2":
                tags[k] = ("B-" if k == s else "I-") + t
            elif scheme == "IOB1":
                tags[k] = ("B-" if (k == s and adjacent_same) else "I-") + t
            elif scheme == "IOBES":
                if s == e:
                    tags[k] = "S-" + t
                else:
                    tags[k] = ("B-" if k == s else ("E-" if k == e else "I-")) + t
            elif scheme == "IOE2":
                tags[k] = ("E-" if k == e else "I-") + t
            elif scheme == "IOE1":
                tags[k] = "I-" + t
            else:
                raise ValueError(scheme)
        if scheme == "IOE1" and adjacent_same:
            tags[s - 1] = "E-" + t
        prev = (s, e, t)
    return tags


def scheme_labels(scheme):
    prefixes = {"IOB1": "BI", "IOB2": "BI", "IOBES": "BIES", "IOE1": "IE", "IOE2": "IE"}[scheme]
    return ["O"] + [p + "-" + t for p in prefixes for t in TYPES]


def perturb(rng, tags, scheme, rate, weird):
    out = list(tags)
    labels = scheme_labels(scheme)
    for k in range(len(out)):
        if rng.random() < rate:
            x = rng.random()
            if weird and x < 0.3:
                out[k] = rng.choice(WEIRD_LABELS)
            elif x < 0.5 and out[k] != "O":
                # keep the prefix, change the type (or vice versa)
                p = out[k][:2] if len(out[k]) > 1 and out[k][1] == "-" else "I-"
                out[k] = p + rng.choice(TYPES) if rng.random() < 0.5 else rng.choice("BIES") + out[k][1:]
            else:
                out[k] = rng.choice(labels)
    return out


def seqeval_cases(rng):
    cases = []
    readme_true = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    readme_pred = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    cases.append(("readme", readme_true, readme_pred))
    cases.append(("f1_docstring",
                  [["O", "O", "B-MISC", "I-MISC", "B-MISC", "O", "O"], ["B-PER", "I-PER", "O"]],
                  [["O", "O", "B-MISC", "I-MISC", "B-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]))
    cases.append(("no_entities", [["O", "O"], ["O"]], [["O", "O"], ["O"]]))
    cases.append(("pred_only_type", [["O", "B-PER"]], [["B-LOC", "B-PER"]]))
    cases.append(("true_only", [["B-PER", "I-PER"]], [["O", "O"]]))
    cases.append(("empty_sequence_inside", [["B-PER"], [], ["I-LOC"]], [["B-PER"], [], ["B-LOC"]]))
    cases.append(("cross_sentence_stale_begin", [["B-PER"], ["X", "O-PER"]], [["B-PER"], ["X", "O-PER"]]))
    cases.append(("no_prefix", [["PER", "PER", "O", "LOC"]], [["PER", "O", "O", "LOC"]]))
    cases.append(("dot_tags", [["B-PER", ".-PER", "O", "I-LOC"]], [[".", "B-PER", ".", "I-PER"]]))
    schemes = ["IOB1", "IOB2", "IOBES", "IOE1", "IOE2"]
    for c in range(150):
        scheme = schemes[c % len(schemes)]
        nseq = rng.randint(1, 6)
        weird = c % 3 == 0
        ts, ps = [], []
        for _ in range(nseq):
            n = rng.choice([0, 1, 2, 3, 5, 8, 12, 20]) if rng.random() < 0.9 else rng.randint(20, 40)
            t = scheme_sequence(rng, scheme, n)
            if weird or rng.random() < 0.25:
                t = perturb(rng, t, scheme, 0.15, weird)  # malformed references
            p = perturb(rng, t, scheme, rng.choice([0.0, 0.05, 0.15, 0.3]), weird)
            ts.append(t)
            ps.append(p)
        if sum(len(t) for t in ts) == 0:
            ts.append(["O"])
            ps.append(["B-PER"])
        cases.append(("random_%03d_%s%s" % (c, scheme, "_weird" if weird else ""), ts, ps))
    return cases


def seqeval_golden():
    rng = random.Random(SEED)
    out_cases = []
    for name, ts, ps in seqeval_cases(rng):
        scores = evaluate_seqeval(ts, ps)
        names, pred_sum, tp_sum, true_sum = extract_tp_actual_correct(ts, ps)
        mp = mr = mf = macc = None
        per_type = {}
        for k, v in scores.items():
            if isinstance(v, dict):
                per_type[k] = v
        counts = {n: [tp, pr, tr] for n, pr, tp, tr in zip(names, pred_sum, tp_sum, true_sum)}
        out_cases.append({
            "name": name,
            "true": ts,
            "pred": ps,
            "true_entities": [[[t, s, e] for (t, s, e) in get_entities(seq)] for seq in ts],
            "pred_entities": [[[t, s, e] for (t, s, e) in get_entities(seq)] for seq in ps],
            "flat_true_entities": [[t, s, e] for (t, s, e) in get_entities(ts)],
            "overall_precision": scores["overall_precision"],
            "overall_recall": scores["overall_recall"],
            "overall_f1": scores["overall_f1"],
            "overall_accuracy": scores["overall_accuracy"],
            "per_type": per_type,
            "counts": counts,
        })
    return {
        "source": "scripts/metrics/reference.py (transcription of seqeval 1.2.x default mode and evaluate's seqeval metric)",
        "seed": SEED,
        "num_sequences": sum(len(c["true"]) for c in out_cases),
        "cases": out_cases,
    }


WORDS = [
    "a", "an", "the", "A", "An", "The", "THE", "ThE", "and", "theory", "another", "banana",
    "Paris", "paris", "U.S.", "don't", "(1990)", "1990", "co-op", "e-mail", "—", "–", "“quoted”",
    "«guillemets»", "½", "²", "İstanbul", "ΟΔΟΣ", "ΣΑΣ.", "Σ", "ΌΣΟΣ'", "Straße", "STRASSE", "café",
    "cafe\u0301", "naïve", "日本語", "東京", "١٢٣", "x_y", "a_b", "the_end", "_the_", "a.", "(the)",
    "an-the", "thé", "the\u0301", "a\u0300", "Ⅻ", "ǅ", "ǆ", "K", "Ω", "ﬁ", "e.g.", "$100", "100%",
    "#1", "@user", "#", "...", "'", "\"", "a's", "the's", "\u200b", "\u00ad", "x\u200bthe", "ａ",
    "theﾞ", "𝔞", "🙂", "Ωmega", "ß", "ẞ",
]
SEPS = [" ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2003", "\x1c", "\x1f", "\x85", "\u2028", ""]


def random_text(rng, lo=1, hi=6):
    n = rng.randint(lo, hi)
    parts = []
    for i in range(n):
        parts.append(rng.choice(WORDS))
        if i != n - 1:
            parts.append(rng.choice(SEPS))
    s = "".join(parts)
    if rng.random() < 0.2:
        s = rng.choice(SEPS) + s + rng.choice(SEPS)
    return s


def vary(rng, s):
    x = rng.random()
    if x < 0.2:
        return s
    if x < 0.35:
        return s.upper() if rng.random() < 0.5 else s.lower()
    if x < 0.5:
        return rng.choice(["the ", "a ", "An ", ""]) + s + rng.choice([".", "!", "", " ,", "?"])
    if x < 0.7:
        toks = s.split()
        if toks:
            del toks[rng.randrange(len(toks))]
        return " ".join(toks)
    if x < 0.85:
        return s + " " + random_text(rng, 1, 3)
    return random_text(rng)


def squad_pairs(rng):
    fixed = [
        ("", ""), ("", "the"), ("the", ""), ("a an the", ""), ("The Cat", "cat"),
        ("the cat sat", "a cat sat on the mat"), ("cat cat cat", "cat"), ("cat", "cat cat cat"),
        ("İ", "i̇"), ("ΟΔΟΣ", "οδος"), ("ΟΔΟΣ", "οδοσ"), ("ΣΑΣ'Α", "σασ'α"), ("U.S.", "us"),
        ("x\x1cy", "x y"), ("Straße", "strasse"), ("theater", "ater"), ("an_apple", "anapple"),
        ("the\u00a0end", "end"), ("café", "cafe\u0301"), ("!!!", ""), ("a\u0301", "\u0301"),
    ]
    pairs = list(fixed)
    while len(pairs) < 420:
        g = random_text(rng)
        p = vary(rng, g) if rng.random() < 0.8 else random_text(rng)
        if rng.random() < 0.05:
            p = ""
        if rng.random() < 0.03:
            g = ""
        pairs.append((p, g))
    return pairs


def squad_datasets(rng):
    out = []
    for c in range(40):
        v2 = c % 2 == 1
        n = rng.randint(1, 40)
        refs, preds = {}, {}
        for q in range(n):
            qid = "q%02d_%03d_%x" % (c, q, rng.randrange(1 << 16))
            k = rng.choice([1, 1, 1, 2, 3, 4])
            golds = [random_text(rng) for _ in range(k)]
            if v2:
                x = rng.random()
                if x < 0.25:
                    golds = []  # unanswerable
                elif x < 0.3:
                    golds = [rng.choice(["", " the ", "!!", "a"])] + (golds[:1] if rng.random() < 0.5 else [])
            refs[qid] = golds
            if not v2 and rng.random() < 0.08:
                continue  # missing prediction (v1.1 scores it 0; v2.0's script would raise)
            if golds and rng.random() < 0.8:
                preds[qid] = vary(rng, rng.choice(golds))
            else:
                preds[qid] = "" if rng.random() < 0.5 else random_text(rng)
        if rng.random() < 0.3:
            preds["unknown_%d" % c] = "ignored"
        dataset = make_dataset(refs)
        if v2:
            result = eval_squad_v2(dataset, preds)
        else:
            result = compute_score_v1(dataset, preds)
        out.append({"name": "dataset_%02d_%s" % (c, "v2" if v2 else "v1"), "v2": v2,
                    "refs": refs, "preds": preds, "result": result})
    return out


def ranges(pred):
    out = []
    start = None
    for cp in range(0x110000 + 1):
        ok = cp < 0x110000 and pred(cp)
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append([start, cp - 1])
            start = None
    return out


def sigma_class(cp):
    # Derive CPython's view of Case_Ignorable/Cased from str.lower() itself
    # (handle_capital_sigma checks case-ignorable first, then cased).
    c = chr(cp)
    after = ("A\u03a3" + c).lower()[1] == "\u03c3"  # not ignorable and cased
    between = ("A\u03a3" + c + "A").lower()[1] == "\u03c3"  # ignorable, or cased
    if after:
        return 2  # cased, not case-ignorable
    if between:
        return 1  # case-ignorable
    return 0


def unicode_tables():
    def assigned(cp):
        return unicodedata.category(chr(cp)) not in ("Cn", "Cs")

    return {
        "unidata_version": unicodedata.unidata_version,
        "unassigned": ranges(lambda cp: not assigned(cp)),
        "lower": [[cp, chr(cp).lower()] for cp in range(0x110000)
                  if assigned(cp) and chr(cp).lower() != chr(cp)],
        "space": [cp for cp in range(0x110000) if chr(cp).isspace()],
        "word": ranges(lambda cp: re.match(r"\w", chr(cp)) is not None),
        "case_ignorable": ranges(lambda cp: assigned(cp) and sigma_class(cp) == 1),
        "cased": ranges(lambda cp: assigned(cp) and sigma_class(cp) == 2),
    }


def squad_golden():
    rng = random.Random(SEED + 1)
    pairs = []
    for p, g in squad_pairs(rng):
        assert normalize_answer_v1(p) == normalize_answer_v2(p)
        pairs.append({
            "pred": p, "gold": g,
            "norm_pred": normalize_answer_v2(p), "norm_gold": normalize_answer_v2(g),
            "exact": compute_exact(g, p),
            "f1_v1": f1_score_v1(p, g),
            "f1_v2": compute_f1(g, p),
        })
    multi = []
    for _ in range(60):
        golds = [random_text(rng) for _ in range(rng.randint(1, 4))]
        pred = vary(rng, rng.choice(golds)) if rng.random() < 0.8 else random_text(rng)
        multi.append({"pred": pred, "golds": golds,
                      "exact": float(metric_max_over_ground_truths(exact_match_score_v1, pred, golds)),
                      "f1_v1": float(metric_max_over_ground_truths(f1_score_v1, pred, golds)),
                      "f1_v2": float(metric_max_over_ground_truths(lambda a, b: compute_f1(b, a), pred, golds))})
    return {
        "source": "scripts/metrics/reference.py (transcription of the official SQuAD v1.1 and v2.0 evaluation scripts)",
        "seed": SEED + 1,
        "pairs": pairs,
        "multi": multi,
        "datasets": squad_datasets(rng),
        "unicode": unicode_tables(),
    }


# ---------------------------------------------------------------------------
# Self-checks against published examples, and the CLI
# ---------------------------------------------------------------------------


def self_check():
    y_true = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    y_pred = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    s = evaluate_seqeval(y_true, y_pred)
    assert s["overall_f1"] == 0.5 and s["PER"]["f1"] == 1.0 and s["MISC"]["f1"] == 0, s
    assert s["overall_accuracy"] == 0.8, s
    assert list(s.keys())[:2] == ["MISC", "PER"], s
    assert get_entities(["B-PER", "I-PER", "O", "B-LOC"]) == [("PER", 0, 1), ("LOC", 3, 3)]
    yt = [["O", "O", "B-MISC", "I-MISC", "B-MISC", "O", "O"], ["B-PER", "I-PER", "O"]]
    yp = [["O", "O", "B-MISC", "I-MISC", "B-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    s = evaluate_seqeval(yt, yp)
    assert s["overall_f1"] == 2 / 3 and s["MISC"]["f1"] == 0.5, s
    assert normalize_answer_v1("The  Quick, brown fox!") == "quick brown fox"
    assert compute_f1("", "") == 1 and f1_score_v1("", "") == 0


def dump(obj):
    return json.dumps(obj, ensure_ascii=True, sort_keys=True, indent=1) + "\n"


def main(argv):
    if len(argv) != 2 or argv[1] not in ("generate", "check"):
        print("usage: reference.py generate|check", file=sys.stderr)
        return 2
    self_check()
    outputs = {SEQEVAL_GOLDEN: dump(seqeval_golden()), SQUAD_GOLDEN: dump(squad_golden())}
    if argv[1] == "generate":
        for path, text in outputs.items():
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="ascii") as f:
                f.write(text)
            print("wrote", os.path.relpath(path, ROOT), len(text), "bytes")
        return 0
    bad = 0
    for path, text in outputs.items():
        try:
            with open(path, encoding="ascii") as f:
                have = f.read()
        except OSError as e:
            print("MISSING", path, e)
            bad += 1
            continue
        if have != text:
            print("STALE", os.path.relpath(path, ROOT), "(run: /usr/bin/python3 scripts/metrics/reference.py generate)")
            bad += 1
        else:
            print("ok", os.path.relpath(path, ROOT))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
