"""Evaluating the Learning-to-Execute executor on independent examples.

The executor is trained on streams of concatenated examples, its state carried across them, so it
never learns to start from a zero state. Evaluation therefore runs every example right after a
*primer*: a few other examples of the same distribution, read with teacher forcing, whose final
state starts every row of the batch (the situation of an example inside a training stream). Two
metrics:

- ``char_accuracy``: the paper's metric. The whole text is fed (teacher forcing) and every answer
  character (digits, sign, final ``.``) counts as right when the argmax prediction from the
  preceding characters equals it.
- ``exact_accuracy``: what a user of the executor sees. The model reads ``source@`` and writes its
  answer greedily, one character at a time from its own output; right only if the whole answer,
  final ``.`` included, is exactly right.
"""

import collections
import random

import numpy as np
import tensorflow as tf

from l2e.lte.comparison import accuracies
from l2e.lte.curriculum import Curriculum
from l2e.lte.data.tasks import draw_example
from l2e.lte.model import state_size
from l2e.lte.vocab import CHAR_TO_ID, VOCAB, encode


class ExecutorRunner:
    """Compiled forward passes of an executor model for any batch size and sequence length."""

    def __init__(self, model, batch_size: int = 256):
        self.model = model
        self.batch_size = batch_size
        num_layers, hidden = state_size(model)
        self.num_states = 2 * num_layers
        self.hidden = hidden
        signature = [tf.TensorSpec([None, None], tf.int32)] + \
            [tf.TensorSpec([None, hidden], tf.float32)] * self.num_states
        self._forward = tf.function(lambda ids, *state: model([ids, *state], training=False),
                                    input_signature=signature)

    def forward(self, ids: np.ndarray, state=None):
        """(logits [B, T, V], final state) for ids [B, T], from ``state`` or the zero state."""
        if state is None:
            state = [np.zeros((len(ids), self.hidden), np.float32)] * self.num_states
        logits, *state = self._forward(tf.constant(ids, tf.int32), *state)
        return logits, state

    def primed_state(self, primer: str, rows: int) -> list[np.ndarray]:
        """The state after reading ``primer`` from zero, repeated for ``rows`` rows: 2L x [rows, H]."""
        if not primer:
            return [np.zeros((rows, self.hidden), np.float32)] * self.num_states
        _, state = self.forward(encode(primer)[None, :])
        return [np.repeat(s.numpy(), rows, axis=0) for s in state]

    def _batches_by_length(self, lengths):
        """Indices grouped by equal length, in chunks of at most ``batch_size``."""
        groups = collections.defaultdict(list)
        for index, length in enumerate(lengths):
            groups[length].append(index)
        for indices in groups.values():
            for start in range(0, len(indices), self.batch_size):
                yield indices[start:start + self.batch_size]

    def teacher_forced_correct(self, examples, primer: str = "") -> np.ndarray:
        """Per example, the number of answer characters predicted right under teacher forcing: [len(examples)]."""
        scores = np.zeros(len(examples))
        texts = [e.text for e in examples]
        for chunk in self._batches_by_length([len(t) for t in texts]):
            ids = np.stack([encode(texts[i]) for i in chunk])
            logits, _ = self.forward(ids[:, :-1], self.primed_state(primer, len(chunk)))
            predicted = np.argmax(logits.numpy(), axis=-1)
            for row, i in enumerate(chunk):
                start = len(examples[i].prompt) - 1  # prediction of the first answer character
                scores[i] = np.sum(predicted[row, start:] == ids[row, start + 1:])
        return scores

    def greedy_answers(self, examples, primer: str = "") -> list[str]:
        """The answer each example's prompt makes the model write, up to its ``.`` (or as long as
        the true answer when no ``.`` comes: enough to decide exactness)."""
        answers = [""] * len(examples)
        prompts = [e.prompt for e in examples]
        end = CHAR_TO_ID["."]
        for chunk in self._batches_by_length([len(p) for p in prompts]):
            logits, state = self.forward(np.stack([encode(prompts[i]) for i in chunk]),
                                         self.primed_state(primer, len(chunk)))
            steps = max(len(examples[i].answer) for i in chunk)
            written = []
            next_ids = np.argmax(logits.numpy()[:, -1], axis=-1).astype(np.int32)
            for _ in range(steps):
                written.append(next_ids)
                if np.all(np.any(np.stack(written, axis=1) == end, axis=1)):
                    break
                logits, state = self.forward(next_ids[:, None], state)
                next_ids = np.argmax(logits.numpy()[:, -1], axis=-1).astype(np.int32)
            written = np.stack(written, axis=1)
            for row, i in enumerate(chunk):
                text = "".join(VOCAB[c] for c in written[row])
                answers[i] = text[:text.index(".") + 1] if "." in text else text
        return answers

    def example_scores(self, examples, primer: str = "") -> dict[str, np.ndarray]:
        """Per example, each read after ``primer``: ``answer_chars`` (its answer's length),
        ``correct_chars`` (answer characters predicted right under teacher forcing) and ``exact``
        (1.0 when greedy decoding writes the whole answer right): three arrays of shape [len(examples)]."""
        if not examples:
            raise ValueError("examples: nothing to evaluate")
        answer_chars = np.array([len(e.answer) for e in examples], np.float64)
        correct_chars = self.teacher_forced_correct(examples, primer)
        answers = self.greedy_answers(examples, primer)
        exact = np.array([a == e.answer for a, e in zip(answers, examples)], np.float64)
        return {"answer_chars": answer_chars, "correct_chars": correct_chars, "exact": exact}

    def evaluate(self, examples, primer: str = "") -> dict:
        """``char_accuracy`` (teacher forcing, per answer character), ``exact_accuracy`` (greedy,
        whole answer) and ``examples`` for a list of examples, each read after ``primer``."""
        char_accuracy, exact_accuracy = accuracies(self.example_scores(examples, primer))
        return {"char_accuracy": char_accuracy, "exact_accuracy": exact_accuracy, "examples": len(examples)}


PRIMER_EXAMPLES = 4


def sample_examples(task, curriculum: Curriculum, count: int, split: str, seed) -> tuple[list, str]:
    """``count`` examples of ``task`` drawn by ``curriculum`` from ``split``, and a primer: the text
    of :data:`PRIMER_EXAMPLES` further examples of the same distribution."""
    rng = random.Random(f"l2e-eval:{seed}:{split}")
    primer = "".join(draw_example(task, rng, curriculum, split).text for _ in range(PRIMER_EXAMPLES))
    return [draw_example(task, rng, curriculum, split) for _ in range(count)], primer


def evaluate_grid(runner: ExecutorRunner, task, max_length: int, max_nesting: int, count: int,
                  split: str = "test", seed: int = 0) -> list[dict]:
    """Both metrics for every (length, nesting) up to the maxima, ``count`` examples each."""
    rows = []
    for nesting in range(1, max_nesting + 1):
        for length in range(1, max_length + 1):
            examples, primer = sample_examples(task, Curriculum("baseline", length, nesting), count, split, seed)
            rows.append({"length": length, "nesting": nesting, **runner.evaluate(examples, primer)})
    return rows
