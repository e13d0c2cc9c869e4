"""Do the SavedModel and onnxruntime compute the same step? Checked on random inputs.

Decoded outputs must be identical: the NEE's ``value_bits``, ``pointer`` and ``next_mask``,
the executor's argmax character of every position. Float outputs (every logit, the executor's
recurrent state) must agree within ``TOLERANCE`` on the scale of their row: ``|TF - ORT| <=
TOLERANCE * max(1, largest |TF| of that output in that row)``. Below magnitude 1 this is the
absolute bound; above it, it allows for float32 rounding, which grows with the magnitudes a trained
model computes with (a trained merge step with attention scores near 60 and value logits near 50
differs by up to 4.5e-4 between TensorFlow and onnxruntime, 1e-5 of its scale, on every kernel
setting tried, while every decoded output agrees). The report keeps the absolute differences too.
"""

from dataclasses import dataclass, field

import numpy as np
import onnxruntime
import tensorflow as tf

from serving.model import SIGNATURE, first_line
from serving.numbers import to_bits

TOLERANCE = 1e-4
ROWS = 1000
ROWS_PER_BATCH = 100
MAX_LENGTH = 32
"""Longest random N (NEE steps) or T (executor) of a batch."""


def nee_batch(rng: np.random.Generator, metadata: dict, rows: int) -> dict[str, np.ndarray]:
    """Random valid inputs of an NEE step: codes of its number format written as bits.

    Step subroutines get a random N in 1..MAX_LENGTH and random masks that keep at least one
    position per row; arithmetic subroutines get N = 2 operands, nothing masked (as in use).
    """
    tokens = np.array(list(metadata["tokens"].values()), dtype=np.int64)  # none for multiplication
    codes = np.concatenate([np.arange(metadata["max_input"] + 1), tokens])
    arithmetic = metadata["subroutine"] in ("add", "mul")
    length = 2 if arithmetic else int(rng.integers(1, MAX_LENGTH + 1))
    values = rng.choice(codes, (rows, length))
    mask = np.zeros((rows, length), np.float32) if arithmetic else (rng.random((rows, length)) < 0.5)
    mask = np.asarray(mask, np.float32)
    mask[np.arange(rows), rng.integers(0, length, rows)] = 0.0
    return {"bits": to_bits(values, metadata["num_bits"]).astype(np.float32), "mask": mask}


def lstm_batch(rng: np.random.Generator, metadata: dict, rows: int) -> dict[str, np.ndarray]:
    """Random executor inputs: character ids [rows, T] (T in 1..MAX_LENGTH), states in [-1, 1]."""
    length = int(rng.integers(1, MAX_LENGTH + 1))
    feed = {"ids": rng.integers(0, len(metadata["vocab"]), (rows, length)).astype(np.int32)}
    for layer in range(metadata["num_layers"]):
        for part in ("h", "c"):
            feed[f"{part}{layer}"] = rng.uniform(-1, 1, (rows, metadata["hidden_size"])).astype(np.float32)
    return feed


@dataclass
class ParityReport:
    """How far the two runtimes were apart over ``rows`` random inputs.

    Attributes:
        rows: inputs compared.
        max_abs_diff: float output -> largest absolute difference.
        max_scaled_diff: float output -> largest difference over its row's scale (see above).
        mismatches: decoded output -> rows where it differed.
    """

    rows: int = 0
    max_abs_diff: dict[str, float] = field(default_factory=dict)
    max_scaled_diff: dict[str, float] = field(default_factory=dict)
    mismatches: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (all(diff <= TOLERANCE for diff in self.max_scaled_diff.values())
                and not any(self.mismatches.values()))

    def add(self, expected: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> None:
        """Compare one batch of outputs (same names, leading axis = rows)."""
        self.rows += len(next(iter(expected.values())))
        for name, want in expected.items():
            have = got[name]
            if np.issubdtype(want.dtype, np.floating):
                diff = np.abs(want - have).reshape(len(want), -1)
                scale = np.maximum(np.abs(want).reshape(len(want), -1).max(axis=1, initial=0.0), 1.0)
                self._worst(self.max_abs_diff, name, float(diff.max(initial=0.0)))
                self._worst(self.max_scaled_diff, name, float((diff / scale[:, None]).max(initial=0.0)))
                if name == "logits":
                    self._count("argmax", want.argmax(-1), have.argmax(-1))
            else:
                self._count(name, want, have)

    @staticmethod
    def _worst(worst: dict[str, float], name: str, diff: float) -> None:
        worst[name] = max(worst.get(name, 0.0), diff)

    def _count(self, name: str, want: np.ndarray, have: np.ndarray) -> None:
        differs = (want != have).reshape(len(want), -1).any(axis=1)
        self.mismatches[name] = self.mismatches.get(name, 0) + int(differs.sum())

    def summary(self) -> str:
        """One line: the worst float difference and the decoded mismatches."""
        worst = max(self.max_scaled_diff, key=self.max_scaled_diff.get)
        decoded = ", ".join(f"{name} {count}" for name, count in sorted(self.mismatches.items()))
        return (f"{self.rows} random inputs: max |diff| / row scale {self.max_scaled_diff[worst]:.2e} ({worst}; "
                f"tolerance {TOLERANCE:g}; absolute {self.max_abs_diff[worst]:.2e}); decoded rows that differ: "
                f"{decoded}")


def check_parity(savedmodel_dir: str, onnx_path: str, metadata: dict, rows: int = ROWS,
                 seed: int = 0) -> ParityReport:
    """Run the SavedModel's ``serving_default`` and onnxruntime (CPU) on the same random inputs.

    Raises ValueError if onnxruntime cannot run the model.
    """
    signature = tf.saved_model.load(savedmodel_dir).signatures[SIGNATURE]
    session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    make_batch = nee_batch if metadata["kind"] == "nee" else lstm_batch
    rng = np.random.default_rng(seed)
    report = ParityReport()
    for start in range(0, rows, ROWS_PER_BATCH):
        feed = make_batch(rng, metadata, min(ROWS_PER_BATCH, rows - start))
        expected = {name: tensor.numpy() for name, tensor in signature(**feed).items()}
        try:
            got = session.run(names, feed)
        except Exception as error:  # onnxruntime's errors derive from Exception only
            raise ValueError(f"parity: onnxruntime cannot run the model: {first_line(error)}") from None
        report.add(expected, dict(zip(names, got)))
    return report
