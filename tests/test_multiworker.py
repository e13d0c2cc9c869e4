"""``--distribute multiworker``: two worker processes on loopback train one model in step."""

import json
import os
import socket
import subprocess
import sys

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_workers_on_loopback_train_in_step(tmp_path):
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    processes = []
    for index in range(2):
        env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": {"worker": workers},
                                                       "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "l2e.fit", "--distribute", "multiworker", "--experiment", "programs",
             "--preset", "quick", "--length", "2", "--nesting", "1", "--hidden-size", "16", "--batch-size", "4",
             "--unroll", "10", "--check-every", "5", "--steps", "10", "--seed", "1", "--no-progress", "--json",
             "--out", str(tmp_path / f"worker{index}")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outputs = [p.communicate(timeout=600) for p in processes]
    for process, (_, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    chief, other = (json.loads(out) for out, _ in outputs)
    assert [r["step"] for r in chief["history"]] == [5, 10]
    # In step: every check saw the same global loss and the same curriculum on both workers.
    for a, b in zip(chief["history"], other["history"]):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
        assert (a["length"], a["learning_rate"]) == (b["length"], b["learning_rate"])
    assert chief["final"]["test"]["char_accuracy"] == pytest.approx(other["final"]["test"]["char_accuracy"])
    assert os.path.exists(tmp_path / "worker0" / "model.keras")  # only the chief writes the model
    assert not os.path.exists(tmp_path / "worker1" / "model.keras")
