"""Quiet start: l2e-fit, l2e-export and l2e-model-server print none of TensorFlow's native start-up
notices (absl's pre-initialisation notice, the CUDA probe on a machine without GPUs, the CPU
feature guard, oneDNN), and anything else written to stderr meanwhile still shows."""

import os
import re
import subprocess
import sys

from l2e.cli import START_UP_NOTICES, _filtered_stderr

NATIVE_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:|absl::InitializeLog|rebuild TensorFlow", re.MULTILINE)
"""A line in absl's native log format, or one of the notices."""


def as_a_user_runs_it():
    """The environment without the tests' TF_CPP_MIN_LOG_LEVEL (conftest.py), as a user has it."""
    return {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}


def test_the_filter_drops_the_notices_and_keeps_everything_else(capfd):
    notices = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
               "I0000 00:00:1796313553.067139    4649 cudart_stub.cc:31] Could not find cuda drivers on your "
               "machine, GPU will not be used.\n"
               "I0000 00:00:1796313553.568545    4649 cpu_feature_guard.cc:227] This TensorFlow binary is optimized "
               "to use available CPU instructions in performance-critical operations.\n"
               "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the "
               "appropriate compiler flags.\n")
    real = ("W0000 00:00:1796313553.568545    4649 op_kernel.cc:1857] a real warning\n"
            "E0000 00:00:1796313553.568545    4649 cuda_platform.cc:52] failed call to cuInit: a real error\n")
    with _filtered_stderr(START_UP_NOTICES):
        os.write(2, (notices + real).encode())
        print("a Python warning", file=sys.stderr)
    # (under pytest, Python's sys.stderr does not write to descriptor 2, so it comes first)
    assert sorted(capfd.readouterr().err.splitlines()) == sorted([*real.splitlines(), "a Python warning"])


def test_l2e_export_starts_quietly(tmp_path):
    """A directory that is not a run: TensorFlow starts, then the one-line error is all there is."""
    result = subprocess.run([sys.executable, "-m", "export", str(tmp_path), "--out", str(tmp_path / "models")],
                            capture_output=True, text=True, env=as_a_user_runs_it())
    assert result.returncode == 2
    assert result.stderr.splitlines() == [line for line in result.stderr.splitlines() if "error: run:" in line]
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_l2e_model_server_starts_quietly(tmp_path):
    server = subprocess.Popen([sys.executable, "-m", "export.server", "--model_name", "m", "--model_base_path",
                               str(tmp_path), "--rest_api_port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=as_a_user_runs_it())
    try:
        assert server.stdout.readline().startswith("serving m on http://")
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
    assert not NATIVE_LOG_LINE.search(err), err
