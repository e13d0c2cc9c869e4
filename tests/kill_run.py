"""Test helper: start a ``python -m l2e.fit`` run and kill it with SIGKILL after its first checkpoint."""

import os
import signal
import subprocess
import sys
import time


def kill_after_first_checkpoint(args, out: str, settle: float = 0.0, timeout: float = 120.0) -> int:
    """Run ``python -m l2e.fit *args --out out``; once its first checkpoint is recorded (and
    ``settle`` seconds more), SIGKILL it. Returns the process's return code."""
    process = subprocess.Popen([sys.executable, "-m", "l2e.fit", *args, "--out", out],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint_index = os.path.join(out, "checkpoints", "checkpoint")
    deadline = time.monotonic() + timeout
    while not os.path.exists(checkpoint_index) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(settle)
    process.send_signal(signal.SIGKILL)
    return process.wait()
