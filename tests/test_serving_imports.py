"""The serving runtime never loads TensorFlow, Keras or the l2e training package."""

import subprocess
import sys

import pytest

from onnx_models import write_exact_models

SCRIPT = """
import sys
import serving, serving.cli, serving.compose, serving.executor, serving.onnx_engine, serving.onnx_model
import serving.parse, serving.oracle, serving.algorithms.dijkstra, serving.algorithms.prim
import serving.model, serving.tfserving, serving.tfserving_grpc
from serving.cli import main
assert main(["sort", "9", "4", "7", "--models", sys.argv[1]]) == 0
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras", "l2e", "export"))
print("loaded:", loaded)
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    write_exact_models(str(out), ["find_min"])
    return str(out)


def test_serving_and_its_cli_import_neither_tensorflow_nor_keras(models):
    result = subprocess.run([sys.executable, "-c", SCRIPT, models], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "4 7 9\nloaded: []\n"
