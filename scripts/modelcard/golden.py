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

For every card description trainer/modelcard/testdata/cards/<name>.json it writes <name>.md:
the README.md that transformers' TrainingSummary (create_metadata, create_model_index,
to_model_card) and extract_hyperparameters_from_trainer produce for the same inputs, with the
few hftrain differences applied afterwards by hftrain_card() (library_name, the comment's
wording, the training-curves picture, the framework versions). The Go test compares the
Markdown body byte for byte and the YAML front matter as parsed data with keys in order.

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
from dataclasses import dataclass
from enum import Enum
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Union

import yaml

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


# ---- COPIED from transformers src/transformers/modelcard.py @ 028965d43978995d6b9cc4a4a4922085e64c9580 ----
# (module constants and helpers used by TrainingSummary; unchanged)

AUTOGENERATED_TRAINER_COMMENT = """
<!-- This model card has been generated automatically according to the information the Trainer had access to. You
should probably proofread and complete it, then remove this comment. -->
"""

AUTOGENERATED_KERAS_COMMENT = """
<!-- This model card has been generated automatically according to the information Keras had access to. You should
probably proofread and complete it, then remove this comment. -->
"""


TASK_TAG_TO_NAME_MAPPING = {
    "fill-mask": "Masked Language Modeling",
    "image-classification": "Image Classification",
    "image-segmentation": "Image Segmentation",
    "multiple-choice": "Multiple Choice",
    "object-detection": "Object Detection",
    "question-answering": "Question Answering",
    "summarization": "Summarization",
    "table-question-answering": "Table Question Answering",
    "text-classification": "Text Classification",
    "text-generation": "Causal Language Modeling",
    "text2text-generation": "Sequence-to-sequence Language Modeling",
    "token-classification": "Token Classification",
    "translation": "Translation",
    "zero-shot-classification": "Zero Shot Classification",
    "automatic-speech-recognition": "Automatic Speech Recognition",
    "audio-classification": "Audio Classification",
}


METRIC_TAGS = [
    "accuracy",
    "bleu",
    "f1",
    "matthews_correlation",
    "pearsonr",
    "precision",
    "recall",
    "rouge",
    "sacrebleu",
    "spearmanr",
    "wer",
]


def _listify(obj):
    if obj is None:
        return []
    elif isinstance(obj, str):
        return [obj]
    else:
        return obj


def _insert_values_as_list(metadata, name, values):
    if values is None:
        return metadata
    if isinstance(values, str):
        values = [values]
    values = [v for v in values if v is not None]
    if len(values) == 0:
        return metadata
    metadata[name] = values
    return metadata


def infer_metric_tags_from_eval_results(eval_results):
    if eval_results is None:
        return {}
    result = {}
    for key in eval_results.keys():
        if key.lower().replace(" ", "_") in METRIC_TAGS:
            result[key.lower().replace(" ", "_")] = key
        elif key.lower() == "rouge1":
            result["rouge"] = key
    return result


def _insert_value(metadata, name, value):
    if value is None:
        return metadata
    metadata[name] = value
    return metadata


# TrainingSummary: the fields and the three methods below are unchanged; __post_init__ (which
# asks the Hub for the base model's license), from_trainer and from_keras are left out.
@dataclass
class TrainingSummary:
    model_name: str
    language: Optional[Union[str, List[str]]] = None
    license: Optional[str] = None
    tags: Optional[Union[str, List[str]]] = None
    finetuned_from: Optional[str] = None
    tasks: Optional[Union[str, List[str]]] = None
    dataset: Optional[Union[str, List[str]]] = None
    dataset_tags: Optional[Union[str, List[str]]] = None
    dataset_args: Optional[Union[str, List[str]]] = None
    dataset_metadata: Optional[Dict[str, Any]] = None
    eval_results: Optional[Dict[str, float]] = None
    eval_lines: Optional[List[str]] = None
    hyperparameters: Optional[Dict[str, Any]] = None
    source: Optional[str] = "trainer"

    def create_model_index(self, metric_mapping):
        model_index = {"name": self.model_name}

        # Dataset mapping tag -> name
        dataset_names = _listify(self.dataset)
        dataset_tags = _listify(self.dataset_tags)
        dataset_args = _listify(self.dataset_args)
        dataset_metadata = _listify(self.dataset_metadata)
        if len(dataset_args) < len(dataset_tags):
            dataset_args = dataset_args + [None] * (len(dataset_tags) - len(dataset_args))
        dataset_mapping = dict(zip(dataset_tags, dataset_names))
        dataset_arg_mapping = dict(zip(dataset_tags, dataset_args))
        dataset_metadata_mapping = dict(zip(dataset_tags, dataset_metadata))

        task_mapping = {
            task: TASK_TAG_TO_NAME_MAPPING[task] for task in _listify(self.tasks) if task in TASK_TAG_TO_NAME_MAPPING
        }

        model_index["results"] = []

        if len(task_mapping) == 0 and len(dataset_mapping) == 0:
            return [model_index]
        if len(task_mapping) == 0:
            task_mapping = {None: None}
        if len(dataset_mapping) == 0:
            dataset_mapping = {None: None}

        # One entry per dataset and per task
        all_possibilities = [(task_tag, ds_tag) for task_tag in task_mapping for ds_tag in dataset_mapping]
        for task_tag, ds_tag in all_possibilities:
            result = {}
            if task_tag is not None:
                result["task"] = {"name": task_mapping[task_tag], "type": task_tag}

            if ds_tag is not None:
                metadata = dataset_metadata_mapping.get(ds_tag, {})
                result["dataset"] = {
                    "name": dataset_mapping[ds_tag],
                    "type": ds_tag,
                    **metadata,
                }
                if dataset_arg_mapping[ds_tag] is not None:
                    result["dataset"]["args"] = dataset_arg_mapping[ds_tag]

            if len(metric_mapping) > 0:
                result["metrics"] = []
                for metric_tag, metric_name in metric_mapping.items():
                    result["metrics"].append(
                        {
                            "name": metric_name,
                            "type": metric_tag,
                            "value": self.eval_results[metric_name],
                        }
                    )

            # Remove partial results to avoid the model card being rejected.
            if "task" in result and "dataset" in result and "metrics" in result:
                model_index["results"].append(result)
            else:
                logger.info(f"Dropping the following result as it does not have all the necessary fields:\n{result}")

        return [model_index]

    def create_metadata(self):
        metric_mapping = infer_metric_tags_from_eval_results(self.eval_results)

        metadata = {}
        metadata = _insert_value(metadata, "library_name", "transformers")
        metadata = _insert_values_as_list(metadata, "language", self.language)
        metadata = _insert_value(metadata, "license", self.license)
        if self.finetuned_from is not None and isinstance(self.finetuned_from, str) and len(self.finetuned_from) > 0:
            metadata = _insert_value(metadata, "base_model", self.finetuned_from)
        metadata = _insert_values_as_list(metadata, "tags", self.tags)
        metadata = _insert_values_as_list(metadata, "datasets", self.dataset_tags)
        metadata = _insert_values_as_list(metadata, "metrics", list(metric_mapping.keys()))
        metadata["model-index"] = self.create_model_index(metric_mapping)

        return metadata

    def to_model_card(self):
        model_card = ""

        metadata = yaml.dump(self.create_metadata(), sort_keys=False)
        if len(metadata) > 0:
            model_card = f"---\n{metadata}---\n"

        # Now the model card for realsies.
        if self.source == "trainer":
            model_card += AUTOGENERATED_TRAINER_COMMENT
        else:
            model_card += AUTOGENERATED_KERAS_COMMENT

        model_card += f"\n# {self.model_name}\n\n"

        if self.finetuned_from is None:
            model_card += "This model was trained from scratch on "
        else:
            model_card += (
                "This model is a fine-tuned version of"
                f" [{self.finetuned_from}](https://huggingface.co/{self.finetuned_from}) on "
            )

        if self.dataset is None:
            model_card += "an unknown dataset."
        else:
            if isinstance(self.dataset, str):
                model_card += f"the {self.dataset} dataset."
            elif isinstance(self.dataset, (tuple, list)) and len(self.dataset) == 1:
                model_card += f"the {self.dataset[0]} dataset."
            else:
                model_card += (
                    ", ".join([f"the {ds}" for ds in self.dataset[:-1]]) + f" and the {self.dataset[-1]} datasets."
                )

        if self.eval_results is not None:
            model_card += "\nIt achieves the following results on the evaluation set:\n"
            model_card += "\n".join([f"- {name}: {_maybe_round(value)}" for name, value in self.eval_results.items()])
        model_card += "\n"

        model_card += "\n## Model description\n\nMore information needed\n"
        model_card += "\n## Intended uses & limitations\n\nMore information needed\n"
        model_card += "\n## Training and evaluation data\n\nMore information needed\n"

        model_card += "\n## Training procedure\n"
        model_card += "\n### Training hyperparameters\n"
        if self.hyperparameters is not None:
            model_card += "\nThe following hyperparameters were used during training:\n"
            model_card += "\n".join([f"- {name}: {value}" for name, value in self.hyperparameters.items()])
            model_card += "\n"
        else:
            model_card += "\nMore information needed\n"

        if self.eval_lines is not None:
            model_card += "\n### Training results\n\n"
            model_card += make_markdown_table(self.eval_lines)
            model_card += "\n"

        model_card += "\n### Framework versions\n\n"
        model_card += f"- Transformers {__version__}\n"

        if self.source == "trainer" and is_torch_available():
            import torch

            model_card += f"- Pytorch {torch.__version__}\n"
        elif self.source == "keras" and is_tf_available():
            import tensorflow as tf

            model_card += f"- TensorFlow {tf.__version__}\n"
        if is_datasets_available():
            import datasets

            model_card += f"- Datasets {datasets.__version__}\n"
        if is_tokenizers_available():
            import tokenizers

            model_card += f"- Tokenizers {tokenizers.__version__}\n"

        return model_card


_TRAINING_ARGS_KEYS = [
    "learning_rate",
    "train_batch_size",
    "eval_batch_size",
    "seed",
]


def extract_hyperparameters_from_trainer(trainer):
    hyperparameters = {k: getattr(trainer.args, k) for k in _TRAINING_ARGS_KEYS}

    if trainer.args.parallel_mode not in [ParallelMode.NOT_PARALLEL, ParallelMode.NOT_DISTRIBUTED]:
        hyperparameters["distributed_type"] = (
            "multi-GPU" if trainer.args.parallel_mode == ParallelMode.DISTRIBUTED else trainer.args.parallel_mode.value
        )
    if trainer.args.world_size > 1:
        hyperparameters["num_devices"] = trainer.args.world_size
    if trainer.args.gradient_accumulation_steps > 1:
        hyperparameters["gradient_accumulation_steps"] = trainer.args.gradient_accumulation_steps

    total_train_batch_size = (
        trainer.args.train_batch_size * trainer.args.world_size * trainer.args.gradient_accumulation_steps
    )
    if total_train_batch_size != hyperparameters["train_batch_size"]:
        hyperparameters["total_train_batch_size"] = total_train_batch_size
    total_eval_batch_size = trainer.args.eval_batch_size * trainer.args.world_size
    if total_eval_batch_size != hyperparameters["eval_batch_size"]:
        hyperparameters["total_eval_batch_size"] = total_eval_batch_size

    if trainer.args.optim:
        optimizer_name = trainer.args.optim
        optimizer_args = trainer.args.optim_args if trainer.args.optim_args else "No additional optimizer arguments"

        if "adam" in optimizer_name.lower():
            hyperparameters["optimizer"] = (
                f"Use {optimizer_name} with betas=({trainer.args.adam_beta1},{trainer.args.adam_beta2}) and"
                f" epsilon={trainer.args.adam_epsilon} and optimizer_args={optimizer_args}"
            )
        else:
            hyperparameters["optimizer"] = f"Use {optimizer_name} and the args are:\n{optimizer_args}"

    hyperparameters["lr_scheduler_type"] = trainer.args.lr_scheduler_type.value
    if trainer.args.warmup_ratio != 0.0:
        hyperparameters["lr_scheduler_warmup_ratio"] = trainer.args.warmup_ratio
    if trainer.args.warmup_steps != 0.0:
        hyperparameters["lr_scheduler_warmup_steps"] = trainer.args.warmup_steps
    if trainer.args.max_steps != -1:
        hyperparameters["training_steps"] = trainer.args.max_steps
    else:
        hyperparameters["num_epochs"] = trainer.args.num_train_epochs

    if trainer.args.fp16:
        if trainer.use_apex:
            hyperparameters["mixed_precision_training"] = f"Apex, opt level {trainer.args.fp16_opt_level}"
        else:
            hyperparameters["mixed_precision_training"] = "Native AMP"

    if trainer.args.label_smoothing_factor != 0.0:
        hyperparameters["label_smoothing_factor"] = trainer.args.label_smoothing_factor

    return hyperparameters


# ---- end of COPIED code ----


# Stand-ins for the transformers internals that the copied code names.
class _QuietLogger:
    def info(self, *args, **kwargs):
        pass


logger = _QuietLogger()
__version__ = "<hftrain versions>"  # replaced by hftrain_card()


def is_torch_available():
    return False


is_tf_available = is_datasets_available = is_tokenizers_available = is_torch_available


class ParallelMode(Enum):  # transformers.training_args.ParallelMode, the members used above
    NOT_PARALLEL = "not_parallel"
    NOT_DISTRIBUTED = "not_distributed"
    DISTRIBUTED = "distributed"


def summary_for(case, history):
    """The TrainingSummary that Trainer.create_model_card would build for an hftrain card case."""
    datasets = case.get("datasets") or []
    hub = bool(datasets) and not case.get("local_data", False)
    tags = list(case.get("tags") or [])
    if "hftrain" not in tags:  # hftrain: its own tag, before from_trainer's
        tags.append("hftrain")
    if "generated_from_trainer" not in tags:  # as TrainingSummary.from_trainer
        tags.append("generated_from_trainer")
    meta = None
    if hub:  # hftrain leaves out an unknown config or split instead of writing null
        meta = [{k: v for k, v in (("config", case.get("dataset_config")), ("split", case.get("dataset_split"))) if v}]
    _, eval_lines, eval_results = parse_log_history(history)
    hyper = None
    if case.get("args") is not None:
        a = dict(case["args"])
        args = SimpleNamespace(
            learning_rate=a["learning_rate"],
            train_batch_size=a["train_batch_size"],
            eval_batch_size=a["eval_batch_size"],
            seed=a["seed"],
            parallel_mode=ParallelMode.DISTRIBUTED if a.get("distributed_type") else ParallelMode.NOT_DISTRIBUTED,
            world_size=max(a.get("world_size", 1), 1),
            gradient_accumulation_steps=max(a.get("gradient_accumulation_steps", 1), 1),
            optim=a.get("optim") or "adamw_torch",
            optim_args=a.get("optim_args") or None,
            adam_beta1=a["adam_beta1"],
            adam_beta2=a["adam_beta2"],
            adam_epsilon=a["adam_epsilon"],
            lr_scheduler_type=SimpleNamespace(value=a.get("lr_scheduler_type") or "linear"),
            warmup_ratio=a.get("warmup_ratio", 0.0),
            warmup_steps=a.get("warmup_steps", 0),
            max_steps=a.get("max_steps") or -1,
            num_train_epochs=a["num_train_epochs"],
            fp16=False,
            label_smoothing_factor=a.get("label_smoothing_factor", 0.0),
        )
        hyper = extract_hyperparameters_from_trainer(SimpleNamespace(args=args, use_apex=False))
    return TrainingSummary(
        model_name=case["model_name"] or case.get("base_model"),
        language=case.get("language"),
        license=case.get("license") or None,
        tags=tags,
        finetuned_from=case.get("base_model") or None,
        tasks=(case.get("task") or {}).get("type") or None,
        dataset=datasets or None,
        dataset_tags=datasets if hub else None,
        dataset_args=[case["dataset_config"]] if hub and case.get("dataset_config") else None,
        dataset_metadata=meta,
        eval_results=eval_results,
        eval_lines=eval_lines,
        hyperparameters=hyper,
    )


def hftrain_card(case, card):
    """The hftrain differences, applied to to_model_card's output."""
    card = card.replace("---\nlibrary_name: transformers\n", "---\nlibrary_name: hftrain\n", 1)
    card = card.replace("according to the information the Trainer had access to", "according to the information hftrain had access to", 1)
    head, sep, _ = card.partition("\n### Framework versions\n\n")
    if case.get("plot_file"):
        head += ("" if head.endswith("\n\n") else "\n") + f"![Training curves]({case['plot_file']})\n"
    return head + sep + "".join(f"- {name} {value}\n" for name, value in case.get("versions") or [])


def cards():
    folder = os.path.join(TESTDATA, "cards")
    for fn in sorted(os.listdir(folder)):
        if fn.endswith(".json"):
            base = os.path.join(folder, fn[: -len(".json")])
            with open(base + ".json", encoding="utf-8") as f:
                case = json.load(f)
            with open(os.path.join(TESTDATA, "history", case["history"]), encoding="utf-8") as f:
                history = json.load(f)
            check_input(case["history"], history)
            write(base + ".md", hftrain_card(case, summary_for(case, history).to_model_card()))
            print(f"{os.path.relpath(base)}.md")


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
        print(f"{os.path.relpath(base)}: lines={'None' if lines is None else len(lines)} results={eval_results is not None}")

    values = [0.0, -0.0, 1.0, 0.5, 0.1, 2e-05, 1e-05, 2.5e-05, 0.0001, 0.00012345, 0.123456, 0.12345,
              0.1234, 0.99995, 0.00005, 1.23456789e-07, 123456.789, 1e15, 1e16, 1.5e16, 3.0e22, 0.69314718,
              -1.23456, 1234.56789, 1e-300, 1.7976931348623157e308, 5e-324, 0.30000000000000004,
              12.5, 0.33333333333333331, 2.675, 1.00005, 9.99995]
    pairs = [[v, _maybe_round(v)] for v in values]
    write(os.path.join(TESTDATA, "maybe_round.json"), json.dumps(pairs, indent=1) + "\n")
    print(f"maybe_round: {len(pairs)} values")
    cards()


if __name__ == "__main__":
    main()
