"""The Learning-to-Execute LSTM executor (on onnxruntime or TF Serving): greedy decoding after a primer.

The executor was trained on streams of concatenated examples, its state carried from one to
the next, so it never learned to start from a zero state. Like the training evaluation
(``l2e.lte.evaluation``), it therefore first reads a primer (a few examples of its training
distribution, stored in the export metadata) and starts every program from that state. It then
reads ``program@`` and writes one character at a time, each the argmax given the previous
ones, until it writes ``.``. Each answer comes with its confidence: the model's probability of
the whole greedy answer, end mark included (the product of each written character's softmax
probability).

:meth:`Executor.read` checks what a user typed against what the executor was trained on
(``serving.executor_tasks``) and gives the exact answer beside it.
"""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from serving.executor_tasks import TaskInput, task_input
from serving.model import Model
from serving.onnx_model import open_named

MAX_ANSWER_CHARS = 64
"""Characters the executor may write before its ``.``; a longer answer is an error."""


@dataclass(frozen=True)
class Answer:
    """What the executor wrote (without the final ``.``) and its probability under the model."""

    output: str
    confidence: float


class Executor:
    """Runs programs through an exported LSTM executor step model (``export.signatures``).

    Args:
        model: an open model of kind ``lte`` (an ONNX model, or one a model server holds: see
            ``serving.model.Model``) whose metadata holds ``vocab``, ``newline``,
            ``end_of_input``, ``end_of_output``, ``primer``, ``num_layers``, ``hidden_size``.
    """

    def __init__(self, model: Model):
        self.model = model
        meta = model.metadata
        self.vocab = meta["vocab"]
        self.char_ids = {char: index for index, char in enumerate(self.vocab)}
        self.newline, self.end_of_input = meta["newline"], meta["end_of_input"]
        self.end_id = self.char_ids[meta["end_of_output"]]
        self.state_names = [f"{part}{layer}" for layer in range(meta["num_layers"]) for part in ("h", "c")]
        zero = [np.zeros((1, meta["hidden_size"]), np.float32)] * len(self.state_names)
        self.primed = self._read(self.encode(meta["primer"]), zero)[1] if meta["primer"] else zero

    @classmethod
    def load(cls, models_dir: str, name: str) -> "Executor":
        """The executor model ``name`` (e.g. ``lte-programs``) from ``models_dir`` (ONNX)."""
        return cls(open_named(models_dir, name, "lte"))

    def encode(self, text: str) -> np.ndarray:
        """Character ids int32 [len(text)]; ValueError naming characters outside the vocabulary."""
        unknown = sorted({char for char in text if char not in self.char_ids})
        if unknown:
            raise ValueError(f"program: characters outside the vocabulary: {''.join(unknown)!r} "
                             f"(allowed: {self.vocab!r} and newlines)")
        return np.array([self.char_ids[char] for char in text], dtype=np.int32)

    def prompt(self, program: str) -> np.ndarray:
        """The ids of what the executor reads: the program (newlines as ``#``) and the end-of-input mark."""
        source = program.strip("\n").replace("\n", self.newline)
        if not source.strip():
            raise ValueError("program: empty")
        if self.end_of_input in source:
            raise ValueError(f"program: {self.end_of_input!r} marks the end of the input and cannot appear in it")
        return self.encode(source + self.end_of_input)

    def _read(self, ids: np.ndarray, state: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """(logits [B, T, V], next state) after reading ids [B, T] (or [T]) from state 2L x [B, H]."""
        ids = np.atleast_2d(ids)
        feed = {"ids": ids, **dict(zip(self.state_names, state))}
        logits, *next_state = self.model.run(["logits", *(f"next_{n}" for n in self.state_names)], feed)
        return logits, next_state

    def _answer_batch(self, prompts: np.ndarray) -> list[Answer]:
        """Greedy answers for prompts int32 [B, T] of one length."""
        state = [np.repeat(part, len(prompts), axis=0) for part in self.primed]
        logits, state = self._read(prompts, state)
        written, done = [], np.zeros(len(prompts), dtype=bool)
        log_confidence = np.zeros(len(prompts))
        for _ in range(MAX_ANSWER_CHARS + 1):
            last = logits[:, -1].astype(np.float64)                     # [B, V]
            ids = last.argmax(axis=-1).astype(np.int32)
            shifted = last - last.max(axis=-1, keepdims=True)
            chosen_log_probability = -np.log(np.exp(shifted).sum(axis=-1))  # the argmax's shifted logit is 0
            log_confidence += np.where(done, 0.0, chosen_log_probability)
            written.append(ids)
            done |= ids == self.end_id
            if done.all():
                break
            logits, state = self._read(ids[:, None], state)
        else:
            raise ValueError(f"execute: the executor wrote no end of output within {MAX_ANSWER_CHARS} characters")
        answers = []
        for row, log_p in zip(np.stack(written, axis=1), log_confidence):
            text = "".join(self.vocab[i] for i in row)
            answers.append(Answer(text[: text.index(self.vocab[self.end_id])], float(np.exp(log_p))))
        return answers

    def answers(self, programs: list[str]) -> list[Answer]:
        """The executor's answers to program texts as it reads them (unchecked: see :meth:`read`);
        programs of one prompt length share a batch."""
        prompts = [self.prompt(program) for program in programs]
        by_length = defaultdict(list)
        for index, prompt in enumerate(prompts):
            by_length[len(prompt)].append(index)
        answers = [None] * len(programs)
        for indices in by_length.values():
            for index, answer in zip(indices, self._answer_batch(np.stack([prompts[i] for i in indices]))):
                answers[index] = answer
        return answers

    def execute(self, programs: list[str]) -> list[str]:
        """What the executor says each program prints (unchecked: see :meth:`read`)."""
        return [answer.output for answer in self.answers(programs)]

    def read(self, text: str) -> TaskInput:
        """What a user typed, checked against this executor's training (ValueError if it was never
        trained on anything like it), with the text to feed it and the exact answer."""
        self.prompt(text)  # characters outside the vocabulary, the end mark, an empty program
        return task_input(text, self.model.metadata)
