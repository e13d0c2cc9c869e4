"""Untrained NEE runs for the benchmarks (``tools/bench/``): models of the default (paper) size
with fresh weights, saved as finished runs that ``export`` and the engines read like trained
ones. An untrained model does the same work as a trained one, so it times the same."""

import os

import keras

from l2e import runs
from l2e.nee.model import build_nee_model
from serving.engine import FORMATS


def save_untrained_runs(root: str, subroutines=("find_min", "merge_step", "add")) -> list[str]:
    """One untrained NEE per subroutine, each saved as the finished run ``root/runs/<subroutine>``
    (config ``{"subroutine": ..., "untrained": True}``, an empty final evaluation), seeded by its
    place in ``subroutines``; returns their directories."""
    paths = []
    for subroutine in subroutines:
        keras.utils.set_random_seed(len(paths))
        path = os.path.join(root, "runs", subroutine)
        os.makedirs(path)
        build_nee_model(FORMATS[subroutine].num_bits).save(runs.model_path(path))
        runs.write_metrics(path, {"config": {"subroutine": subroutine, "untrained": True}, "final": {}})
        paths.append(path)
    return paths
