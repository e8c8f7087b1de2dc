#!/usr/bin/env python3
"""Writes the trainer_state.json goldens for trainer/checkpoint's tests.

The dataclass below copies the fields and defaults of transformers'
TrainerState (src/transformers/trainer_callback.py, with best_global_step as
in current versions) and writes them as TrainerState.save_to_json does:
json.dumps(dataclasses.asdict(state), indent=2, sort_keys=True) + "\n".
Only the standard library is needed. Run from this directory:

    python3 gen_trainer_state.py
"""
import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Optional, Union


@dataclass
class TrainerState:
    epoch: Optional[float] = None
    global_step: int = 0
    max_steps: int = 0
    logging_steps: int = 500
    eval_steps: int = 500
    save_steps: int = 500
    train_batch_size: Optional[int] = None
    num_train_epochs: int = 0
    num_input_tokens_seen: int = 0
    total_flos: float = 0
    log_history: list = None
    best_metric: Optional[float] = None
    best_global_step: Optional[int] = None
    best_model_checkpoint: Optional[str] = None
    is_local_process_zero: bool = True
    is_world_process_zero: bool = True
    is_hyper_param_search: bool = False
    trial_name: Optional[str] = None
    trial_params: dict = None
    stateful_callbacks: dict = None

    def __post_init__(self):
        if self.log_history is None:
            self.log_history = []
        if self.stateful_callbacks is None:
            self.stateful_callbacks = {}

    def save_to_json(self, json_path: str):
        json_string = json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"
        with open(json_path, "w", encoding="utf-8") as f:
            f.write(json_string)


def full():
    # A run of 2 epochs x 25 update steps, logging every 10, evaluating and
    # saving every 25, with early stopping; values shaped as Trainer.log writes them.
    logs = []
    for step, loss, gn, lr in [(10, 0.6931, 3.2145836353302, 4.2e-05),
                               (20, 0.5123, float("nan"), 3.4000000000000007e-05)]:
        logs.append({"loss": loss, "grad_norm": gn, "learning_rate": lr,
                     "epoch": round(step / 25, 4), "step": step})
    logs.append({"eval_loss": 0.48113322257995605, "eval_accuracy": 0.8125,
                 "eval_runtime": 1.2345, "eval_samples_per_second": 103.68,
                 "eval_steps_per_second": 12.96, "epoch": 1.0, "step": 25})
    logs.append({"loss": 0.3012, "grad_norm": 1.0000000000000002e-07, "learning_rate": 1e-05,
                 "epoch": 1.2, "step": 30})
    logs.append({"eval_loss": 0.4020511507987976, "eval_accuracy": 0.84375,
                 "eval_runtime": 1.1, "eval_samples_per_second": 116.364,
                 "eval_steps_per_second": 14.545, "epoch": 2.0, "step": 50})
    logs.append({"train_runtime": 61.5, "train_samples_per_second": 6.504,
                 "train_steps_per_second": 0.813, "total_flos": 1.2345678901234568e+17,
                 "train_loss": 0.4466, "epoch": 2.0, "step": 50})
    return TrainerState(
        epoch=2.0, global_step=50, max_steps=50, logging_steps=10, eval_steps=25,
        save_steps=25, train_batch_size=8, num_train_epochs=2,
        num_input_tokens_seen=102400, total_flos=1.2345678901234568e+17,
        log_history=logs, best_metric=0.4020511507987976, best_global_step=50,
        best_model_checkpoint="out/checkpoint-50", trial_name="trial \u00e9\u4e2d\U0001F600 \"q\"",
        trial_params={"learning_rate": 5e-05, "seed": 42, "warmup": True, "name": "a/b\tc"},
        stateful_callbacks={
            "EarlyStoppingCallback": {
                "args": {"early_stopping_patience": 3, "early_stopping_threshold": 0.0},
                "attributes": {"early_stopping_patience_counter": 0}},
            "TrainerControl": {
                "args": {"should_epoch_stop": False, "should_evaluate": False, "should_log": False,
                         "should_save": True, "should_training_stop": True},
                "attributes": {}}})


TrainerState().save_to_json("trainer_state_default.json")
full().save_to_json("trainer_state_full.json")


def float_repr():
    # Python's float repr, the reference for the Go formatter: hex bits and repr.
    import random
    import struct
    rnd = random.Random(1)
    vals = [0.0, -0.0, 1.0, -2.5, 0.1, 1e-4, 1e-5, 9.999e-5, 5e-05, 123456789.0,
            1e15, 1e16, 9999999999999998.0, 1.5e16, 1e22, 1e-300, 5e-324,
            1.7976931348623157e308, 2.0 ** 60, 3.4000000000000007e-05, 0.30000000000000004]
    for _ in range(300):
        vals.append(struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0])
        vals.append(rnd.uniform(-10, 10) * 10.0 ** rnd.randint(-8, 20))
    with open("float_repr.txt", "w") as f:
        for v in vals:
            if math.isnan(v) or math.isinf(v):
                continue
            f.write("%016x %s\n" % (struct.unpack("<Q", struct.pack("<d", v))[0], json.dumps(v)))


float_repr()
