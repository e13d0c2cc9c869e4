"""Checkpoints that survive ``kill -9``: TF variables plus the plain-Python side state.

A checkpoint at step s is the TF checkpoint ``ckpt-s`` (model and optimizer variables) and two side
files written before it, ``state-s.json`` (curriculum, stream positions, counters) and
``arrays-s.npz`` (carried recurrent state). Each file is written to a temporary name and renamed,
and TensorFlow records ``ckpt-s`` as the latest only after its own files are complete, so the
latest recorded checkpoint always has complete side files, whenever the process dies.
"""

import json
import os
import re

import numpy as np
import tensorflow as tf

from l2e.runs import write_atomically


class CheckpointStore:
    """Save and restore ``trackables`` (name -> model / optimizer) with JSON and array side state."""

    def __init__(self, directory: str, trackables: dict, keep: int = 3):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self._checkpoint = tf.train.Checkpoint(**trackables)
        self._manager = tf.train.CheckpointManager(self._checkpoint, directory, max_to_keep=keep,
                                                   checkpoint_name="ckpt")

    def save(self, step: int, state: dict, arrays: dict[str, np.ndarray]) -> str:
        def write_json(tmp):
            with open(tmp, "w") as f:
                json.dump(state, f)

        def write_npz(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)

        write_atomically(os.path.join(self.directory, f"state-{step}.json"), write_json)
        write_atomically(os.path.join(self.directory, f"arrays-{step}.npz"), write_npz)
        path = self._manager.save(checkpoint_number=step)
        self._remove_stale_side_files()
        return path

    def _remove_stale_side_files(self) -> None:
        kept = {int(p.rsplit("-", 1)[1]) for p in self._manager.checkpoints}
        for name in os.listdir(self.directory):
            match = re.fullmatch(r"(state|arrays)-(\d+)\.(json|npz)", name)
            if match and int(match.group(2)) not in kept:
                os.remove(os.path.join(self.directory, name))

    def latest_step(self) -> int | None:
        path = self._manager.latest_checkpoint
        return None if path is None else int(path.rsplit("-", 1)[1])

    def restore_latest(self) -> tuple[int, dict, dict[str, np.ndarray]] | None:
        """(step, side state, arrays) of the latest checkpoint, its variables restored; None if none."""
        step = self.latest_step()
        if step is None:
            return None
        self._checkpoint.restore(self._manager.latest_checkpoint).assert_existing_objects_matched()
        with open(os.path.join(self.directory, f"state-{step}.json")) as f:
            state = json.load(f)
        with np.load(os.path.join(self.directory, f"arrays-{step}.npz")) as data:
            arrays = {name: data[name] for name in data.files}
        return step, state, arrays
