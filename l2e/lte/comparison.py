"""Combined against baseline, program by program: two curriculum strategies' executors scored on
one common test sample (``tools/lte_compare.py`` prints the table).

A run's own final evaluation draws 500 programs from its own seed, which leaves a difference
between two runs a standard error of about 0.012 (measured on the (2, 2) runs); differences taken
program by program on one larger sample separate the strategies from the evaluation noise, and
the spread over seeds shows the training noise.

Scores are those of ``l2e.lte.evaluation.ExecutorRunner.example_scores``: per program of the
sample, ``answer_chars`` (its answer's length), ``correct_chars`` (answer characters right under
teacher forcing) and ``exact`` (1.0 when greedy decoding writes the whole answer), each a float
array of shape [examples]. Only sampling and scoring import TensorFlow.
"""

import math

import numpy as np

from l2e import runs
from l2e.lte.data.programs import MARKED_OPERATIONS, operations_in

COMPARED = ("baseline", "combined")
"""The strategies compared, in table order; differences are the second minus the first."""
SAMPLE_SEED = 0
"""The common sample is the one seed 0's runs were evaluated on, extended to the size asked for."""
NO_MARKED_OPERATION = "none of these (pairs and identities only)"
"""The subset of ``accuracy_by_operation`` of the programs that use no marked operation."""


def common_sample(length: int, nesting: int, examples: int) -> tuple[list, str]:
    """The ``examples`` test-split programs at (length, nesting) that every compared model reads,
    and their primer (``l2e.lte.evaluation.sample_examples``, seeded by ``SAMPLE_SEED``)."""
    from l2e.lte.curriculum import Curriculum
    from l2e.lte.data.tasks import make_task
    from l2e.lte.evaluation import sample_examples

    return sample_examples(make_task("programs"), Curriculum("baseline", length, nesting), examples, "test",
                           SAMPLE_SEED)


def score_run(run_dir: str, sample: list, primer: str) -> dict:
    """A finished run's executor on ``sample`` read after ``primer``: ``steps`` (trained),
    ``model`` (``"2 x 128"``: layers x units) and ``scores`` (arrays of shape [len(sample)])."""
    from l2e.lte.evaluation import ExecutorRunner

    metrics = runs.finished_metrics(run_dir)
    runner = ExecutorRunner(runs.load_model(run_dir))
    return {"steps": metrics["final"]["step"],
            "model": f"{metrics['config']['num_layers']} x {metrics['config']['hidden_size']}",
            "scores": runner.example_scores(sample, primer)}


def compare_runs(baseline_dir: str, combined_dir: str, sample: list, primer: str) -> dict:
    """``score_run`` of each run (keys ``COMPARED``) and their ``paired_difference``
    (key ``difference``)."""
    result = {strategy: score_run(path, sample, primer)
              for strategy, path in zip(COMPARED, (baseline_dir, combined_dir))}
    result["difference"] = paired_difference(result["baseline"]["scores"], result["combined"]["scores"])
    return result


def paired_difference(baseline: dict, combined: dict) -> dict:
    """combined - baseline on the same programs, from the scores of each (arrays of shape
    [examples]): ``char`` (teacher-forced character accuracy) and ``exact`` (whole answers), each
    with its standard error over programs (``char_se``, ``exact_se``)."""
    count = len(baseline["exact"])
    if count < 2:
        raise ValueError("examples: a paired difference needs at least 2 programs")
    chars = baseline["answer_chars"].sum()
    char_gain = combined["correct_chars"] - baseline["correct_chars"]
    exact_gain = combined["exact"] - baseline["exact"]
    return {"char": float(char_gain.sum() / chars),
            "char_se": float(np.std(char_gain, ddof=1) * math.sqrt(count) / chars),
            "exact": float(exact_gain.mean()),
            "exact_se": float(np.std(exact_gain, ddof=1) / math.sqrt(count))}


def mean_over_seeds(values: list[float]) -> tuple[float, float | None]:
    """The mean of one number per seed and its standard error (None for a single seed)."""
    mean = float(np.mean(values))
    return mean, (float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else None)


def accuracies(scores: dict) -> tuple[float, float]:
    """(character accuracy, whole-answer accuracy) of one model's scores."""
    return float(scores["correct_chars"].sum() / scores["answer_chars"].sum()), float(scores["exact"].mean())


def accuracy_by_operation(scores_by_seed: list[dict], sources: list[str]) -> dict[str, tuple[int, float, float]]:
    """Accuracy on the programs that use each of ``MARKED_OPERATIONS``, and on those that use none
    (``NO_MARKED_OPERATION``): per subset, (programs in it, character accuracy, whole-answer
    accuracy), each accuracy the mean over ``scores_by_seed`` (one model's scores per seed, all on
    the programs ``sources``, in the same order)."""
    used = [operations_in(source) for source in sources]
    subsets = {operation: np.array([operation in ops for ops in used]) for operation in MARKED_OPERATIONS}
    subsets[NO_MARKED_OPERATION] = np.array([not ops for ops in used])
    result = {}
    for name, chosen in subsets.items():
        char, exact = np.mean([accuracies({key: value[chosen] for key, value in scores.items()})
                               for scores in scores_by_seed], axis=0)
        result[name] = (int(chosen.sum()), float(char), float(exact))
    return result
