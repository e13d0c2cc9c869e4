"""The training progress display (``l2e.train.loop``): a bar that shows every field in a terminal of
80 to 120 columns, and a line per update when stderr is not a terminal."""

import io
import os
import sys

import pytest

from l2e.train.loop import _Progress

FIELDS = {"len": 6, "nest": 3, "lr": "0.00819", "acc": "0.953", "val": "0.948"}
"""The widest fields of a Learning-to-Execute run (``LTEExperiment.progress``)."""


class Terminal(io.StringIO):
    """A stand-in for a terminal on stderr."""

    def isatty(self):
        return True

    def fileno(self):
        return 2


@pytest.mark.parametrize("columns", [80, 120])
def test_the_bar_shows_steps_difficulty_rate_and_accuracies_in_80_to_120_columns(monkeypatch, columns):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=None: os.terminal_size((columns, 24)))
    progress = _Progress(total=40000, initial=0, enabled=True)
    progress.bar.start_t -= 9000  # 2.5 hours in, 5.6 hours to go: long elapsed and remaining times
    progress.bar.update(12340)
    for _ in range(5):
        progress.update()
    progress.show(12345, FIELDS)
    progress.bar.refresh()
    line = terminal.getvalue().split("\r")[-1]
    progress.close()
    assert len(line) <= columns, line
    for text in ("12345/40000", "len 6", "nest 3", "lr 0.00819", "acc 0.953", "val 0.948"):
        assert text in line, line


def test_without_a_terminal_each_update_is_a_line_of_its_own(capsys):
    progress = _Progress(total=100, initial=0, enabled=True)
    for step in (50, 100):
        for _ in range(50):
            progress.update()
        progress.show(step, {**FIELDS, "acc": f"0.{step}"})
    progress.close()
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("step 50/100") and lines[1].startswith("step 100/100")
    assert "len 6 nest 3 lr 0.00819 acc 0.50 val 0.948" in lines[0]


def test_no_progress_prints_nothing(capsys):
    progress = _Progress(total=None, initial=0, enabled=False)
    progress.update()
    progress.show(1, FIELDS)
    progress.close()
    assert capsys.readouterr().err == ""


def test_the_widest_fields_are_those_of_the_lte_experiment():
    import tensorflow as tf

    from l2e.lte.config import LTEConfig
    from l2e.lte.experiment import LTEExperiment

    experiment = LTEExperiment(LTEConfig(task="programs", length=6, nesting=3, hidden_size=8, batch_size=4, unroll=10),
                               tf.distribute.get_strategy())
    assert experiment.progress().keys() == FIELDS.keys()
