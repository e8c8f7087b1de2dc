#!/usr/bin/env python3
"""Regenerate the parse_log_history / make_markdown_table goldens of trainer/modelcard.

Run from the repository root with the system Python (standard library only):

    /usr/bin/python3 scripts/modelcard/golden.py

For every log history trainer/modelcard/testdata/history/<name>.json (a list of log entries as
in trainer_state.json's log_history) it writes, beside it:

    <name>.table.md    make_markdown_table(lines)                   (only when lines is not None)
    <name>.results.md  the "- name: value" lines to_model_card      (only when eval_results is
                       writes for eval_results                       not None)

and testdata/maybe_round.json: [value, _maybe_round(value)] pairs for the float printing.

The functions below marked COPIED are copied unchanged from Hugging Face transformers,
src/transformers/modelcard.py at commit 028965d43978995d6b9cc4a4a4922085e64c9580
(https://github.com/huggingface/transformers/blob/028965d43978995d6b9cc4a4a4922085e64c9580/src/transformers/modelcard.py),
Copyright 2018 The HuggingFace Inc. team, licensed under the Apache License, Version 2.0
(http://www.apache.org/licenses/LICENSE-2.0). They are the reference the Go code is checked
against; nothing in them was adapted for hftrain.

Input convention: Go maps have no order, so hftrain reads a log entry with "eval_loss" first and
the other keys by name. Python dicts keep the JSON order, so every input file must already be
in that order (checked below), and "step" must be a JSON integer while every other value is a
JSON float (1.0, not 1), because that is how the Trainer's log history types them.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "..", "..", "trainer", "modelcard", "testdata")


# ---- COPIED from transformers src/transformers/modelcard.py @ 028965d43978995d6b9cc4a4a4922085e64c9580 ----


def parse_log_history(log_history):
    """
    Parse the `log_history` of a Trainer to get the intermediate and final evaluation results.
    """
    idx = 0
    while idx < len(log_history) and "train_runtime" not in log_history[idx]:
        idx += 1

    # If there are no training logs
    if idx == len(log_history):
        idx -= 1
        while idx >= 0 and "eval_loss" not in log_history[idx]:
            idx -= 1

        if idx >= 0:
            return None, None, log_history[idx]
        else:
            return None, None, None

    # From now one we can assume we have training logs:
    train_log = log_history[idx]
    lines = []
    training_loss = "No log"
    for i in range(idx):
        if "loss" in log_history[i]:
            training_loss = log_history[i]["loss"]
        if "eval_loss" in log_history[i]:
            metrics = log_history[i].copy()
            _ = metrics.pop("total_flos", None)
            epoch = metrics.pop("epoch", None)
            step = metrics.pop("step", None)
            _ = metrics.pop("eval_runtime", None)
            _ = metrics.pop("eval_samples_per_second", None)
            _ = metrics.pop("eval_steps_per_second", None)
            _ = metrics.pop("eval_jit_compilation_time", None)
            values = {"Training Loss": training_loss, "Epoch": epoch, "Step": step}
            for k, v in metrics.items():
                if k == "eval_loss":
                    values["Validation Loss"] = v
                else:
                    splits = k.split("_")
                    name = " ".join([part.capitalize() for part in splits[1:]])
                    values[name] = v
            lines.append(values)

    idx = len(log_history) - 1
    while idx >= 0 and "eval_loss" not in log_history[idx]:
        idx -= 1

    if idx > 0:
        eval_results = {}
        for key, value in log_history[idx].items():
            if key.startswith("eval_"):
                key = key[5:]
            if key not in ["runtime", "samples_per_second", "steps_per_second", "epoch", "step"]:
                camel_cased_key = " ".join([part.capitalize() for part in key.split("_")])
                eval_results[camel_cased_key] = value
        return train_log, lines, eval_results
    else:
        return train_log, lines, None


def _maybe_round(v, decimals=4):
    if isinstance(v, float) and len(str(v).split(".")) > 1 and len(str(v).split(".")[1]) > decimals:
        return f"{v:.{decimals}f}"
    return str(v)


def _regular_table_line(values, col_widths):
    values_with_space = [f"| {v}" + " " * (w - len(v) + 1) for v, w in zip(values, col_widths)]
    return "".join(values_with_space) + "|\n"


def _second_table_line(col_widths):
    values = ["|:" + "-" * w + ":" for w in col_widths]
    return "".join(values) + "|\n"


def make_markdown_table(lines):
    """
    Create a nice Markdown table from the results in `lines`.
    """
    if lines is None or len(lines) == 0:
        return ""
    col_widths = {key: len(str(key)) for key in lines[0].keys()}
    for line in lines:
        for key, value in line.items():
            if col_widths[key] < len(_maybe_round(value)):
                col_widths[key] = len(_maybe_round(value))

    table = _regular_table_line(list(lines[0].keys()), list(col_widths.values()))
    table += _second_table_line(list(col_widths.values()))
    for line in lines:
        table += _regular_table_line([_maybe_round(v) for v in line.values()], list(col_widths.values()))
    return table


# ---- end of COPIED code ----


def canonical_order(entry):
    """The key order hftrain reads a log entry in: eval_loss first, then the rest by name."""
    rest = sorted(k for k in entry if k != "eval_loss")
    return (["eval_loss"] if "eval_loss" in entry else []) + rest


def check_input(name, history):
    for i, entry in enumerate(history):
        if list(entry.keys()) != canonical_order(entry):
            sys.exit(f"{name}: entry {i}: keys {list(entry)} are not in hftrain's order {canonical_order(entry)}")
        for k, v in entry.items():
            want = int if k == "step" else float
            if type(v) is not want:
                sys.exit(f"{name}: entry {i}: {k}={v!r} must be a JSON {want.__name__}")


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def remove(path):
    if os.path.exists(path):
        os.remove(path)


def histories():
    folder = os.path.join(TESTDATA, "history")
    for fn in sorted(os.listdir(folder)):
        if fn.endswith(".json"):
            yield os.path.join(folder, fn[: -len(".json")])


def main():
    for base in histories():
        with open(base + ".json", encoding="utf-8") as f:
            history = json.load(f)
        check_input(base, history)
        _, lines, eval_results = parse_log_history(history)
        if lines is None:
            remove(base + ".table.md")
        else:
            write(base + ".table.md", make_markdown_table(lines))
        if eval_results is None:
            remove(base + ".results.md")
        else:
            # As TrainingSummary.to_model_card lists them, one per line.
            write(base + ".results.md", "\n".join(f"- {k}: {_maybe_round(v)}" for k, v in eval_results.items()) + "\n")
        print(f"{base}: lines={'None' if lines is None else len(lines)} results={eval_results is not None}")

    values = [0.0, -0.0, 1.0, 0.5, 0.1, 2e-05, 1e-05, 2.5e-05, 0.0001, 0.00012345, 0.123456, 0.12345,
              0.1234, 0.99995, 0.00005, 1.23456789e-07, 123456.789, 1e15, 1e16, 1.5e16, 3.0e22, 0.69314718,
              -1.23456, 1234.56789, 1e-300, 1.7976931348623157e308, 5e-324, 0.30000000000000004,
              12.5, 0.33333333333333331, 2.675, 1.00005, 9.99995]
    pairs = [[v, _maybe_round(v)] for v in values]
    write(os.path.join(TESTDATA, "maybe_round.json"), json.dumps(pairs, indent=1) + "\n")
    print(f"maybe_round: {len(pairs)} values")


if __name__ == "__main__":
    main()
