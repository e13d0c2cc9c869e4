"""TF Serving: the REST contract of the model server, and the compositions through the TF Serving
engine against the onnxruntime engine on the same exported models (``onnx_models.write_served_models``).

The ``test_contract_*`` tests speak TF Serving's REST API over HTTP and hold for any server of
it: by default the in-repo server (``export.server``) on an ephemeral port; with
``TF_SERVING_URL`` (and ``TF_SERVING_MODELS``, the directory it serves) a real
``tensorflow_model_server`` (``tools/tf_serving_contract.py`` sets both up). The other tests
use in-repo servers of their own too.
"""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import tensorflow as tf

from export.run import TrainedRun, metadata
from export.server.model_config import read_model_config, read_model_config_file
from export.server.rest_server import ModelServer
from l2e.lte.model import build_lstm_executor
from l2e.nee.model import build_nee_model
from onnx_models import write_exact_models, write_served_models
from serving import cli
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.executor import Executor
from serving.model import METADATA_KEYS
from serving.numbers import to_bits
from serving.onnx_engine import OnnxEngine
from serving.onnx_model import open_named
from serving.tfserving import TFServingClient, TFServingEngine
from serving.tfserving_grpc import from_proto, to_proto
from test_serving_cli import _graphs

INSTANCES = 100


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(server URL, models directory it serves)."""
    url = os.environ.get("TF_SERVING_URL")
    if url:
        models = os.environ.get("TF_SERVING_MODELS")
        if not models:
            pytest.fail("TF_SERVING_URL needs TF_SERVING_MODELS, the directory the server serves "
                        "(python tools/tf_serving_contract.py --write DIR)")
        yield url.rstrip("/"), models
        return
    models = str(tmp_path_factory.mktemp("served"))
    with open(write_served_models(models)) as f:
        configs = read_model_config(f.read())
    with ModelServer(configs, port=0, poll_seconds=0) as server:
        yield server.url, models


@pytest.fixture(scope="module")
def url(served):
    return served[0]


def call(url: str, method: str, path: str, body=None) -> tuple[int, object]:
    """(HTTP status, decoded JSON answer) of one request; ``body`` is JSON-encoded unless bytes."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _step_inputs(values, mask=None) -> dict:
    """find_min inputs as JSON lists: bits [B, N, 10] of ``values`` [B, N], mask [B, N]."""
    values = np.asarray(values)
    mask = np.zeros(values.shape) if mask is None else np.asarray(mask, float)
    return {"bits": to_bits(values, 10).astype(float).tolist(), "mask": mask.tolist()}


BITS_OF = {value: to_bits(np.array(value), 10).tolist() for value in (1, 4, 5)}
OK_STATUS = {"error_code": "OK", "error_message": ""}


# --- the REST contract ---------------------------------------------------------------------------

def test_contract_model_status(url):
    status, answer = call(url, "GET", "/v1/models/find_min")
    assert status == 200 and list(answer) == ["model_version_status"]
    assert sorted(answer["model_version_status"], key=lambda entry: entry["version"]) == [
        {"version": "1", "state": "AVAILABLE", "status": OK_STATUS},
        {"version": "2", "state": "AVAILABLE", "status": OK_STATUS}]
    assert call(url, "GET", "/v1/models/find_min/versions/1") == (200, {"model_version_status": [
        {"version": "1", "state": "AVAILABLE", "status": OK_STATUS}]})
    status, answer = call(url, "GET", "/v1/models/add")  # the default policy serves the latest version
    assert status == 200 and [entry["version"] for entry in answer["model_version_status"]] == ["2"]


def test_contract_metadata(url):
    status, answer = call(url, "GET", "/v1/models/find_min/metadata")
    assert status == 200 and answer["model_spec"] == {"name": "find_min", "signature_name": "", "version": "2"}
    signatures = answer["metadata"]["signature_def"]["signature_def"]
    default = signatures["serving_default"]
    assert default["method_name"] == "tensorflow/serving/predict"
    bits = default["inputs"]["bits"]
    assert bits["dtype"] == "DT_FLOAT" and [d["size"] for d in bits["tensor_shape"]["dim"]] == ["-1", "-1", "10"]
    assert {name: info["dtype"] for name, info in default["outputs"].items()} == {
        "value_bits": "DT_INT32", "pointer": "DT_INT64", "next_mask": "DT_BOOL"}
    assert signatures["l2e_metadata"]["inputs"]["keys"]["dtype"] == "DT_STRING"
    for path in ("/v1/models/find_min/versions/1/metadata", "/v1/models/find_min/labels/stable/metadata"):
        status, answer = call(url, "GET", path)
        assert status == 200 and answer["model_spec"]["version"] == "1"


def test_contract_predict_columnar(url):
    body = {"inputs": _step_inputs([[3, 1, 2], [5, 4, 9]], [[0, 0, 0], [0, 1, 0]])}
    assert call(url, "POST", "/v1/models/find_min:predict", body) == (200, {"outputs": {
        "pointer": [1, 0], "value_bits": [BITS_OF[1], BITS_OF[5]],
        "next_mask": [[False, True, False], [True, True, False]]}})


def test_contract_predict_rows(url):
    rows = _step_inputs([[3, 1, 2], [5, 4, 9]])
    body = {"signature_name": "serving_default",
            "instances": [{"bits": rows["bits"][i], "mask": rows["mask"][i]} for i in range(2)]}
    assert call(url, "POST", "/v1/models/find_min:predict", body) == (200, {"predictions": [
        {"pointer": 1, "value_bits": BITS_OF[1], "next_mask": [False, True, False]},
        {"pointer": 1, "value_bits": BITS_OF[4], "next_mask": [False, True, False]}]})


def test_contract_single_input_and_output_signature(url):
    """The l2e_metadata signature has one input and one output: plain lists both ways."""
    body = {"signature_name": "l2e_metadata", "instances": ["kind", "subroutine", "nothing"]}
    assert call(url, "POST", "/v1/models/find_min:predict", body) == (200, {"predictions": ['"nee"', '"find_min"',
                                                                                             "null"]})
    body = {"signature_name": "l2e_metadata", "inputs": ["num_bits"]}
    assert call(url, "POST", "/v1/models/add:predict", body) == (200, {"outputs": ["9"]})


def test_contract_versions_and_labels(url):
    body = {"inputs": _step_inputs([[7, 5]])}
    for path in ("/v1/models/find_min/versions/1:predict", "/v1/models/find_min/versions/2:predict",
                 "/v1/models/find_min/labels/stable:predict"):
        status, answer = call(url, "POST", path, body)
        assert status == 200 and answer["outputs"]["pointer"] == [1], path
    status, answer = call(url, "POST", "/v1/models/add/versions/1:predict", {"inputs": _step_inputs([[1, 2]])})
    assert status == 404 and "Servable not found" in answer["error"]  # on disk, not served by the policy


def _valid(name="find_min"):
    return {"inputs": _step_inputs([[3, 1]])} if name == "find_min" else None


BITS_9 = np.zeros((1, 2, 9)).tolist()
BAD_REQUESTS = [
    ("POST", "/v1/models/nowhere:predict", _valid(), 404, "Servable not found for request"),
    ("POST", "/v1/models/find_min/versions/9:predict", _valid(), 404, "Servable not found for request"),
    ("GET", "/v1/models/nowhere", None, 404, "Could not find any versions of model nowhere"),
    ("GET", "/v1/models/find_min/versions/9", None, 404, "Could not find version 9 of model find_min"),
    ("GET", "/v1/models/nowhere/metadata", None, 404, "Servable not found for request"),
    ("POST", "/v1/models/find_min/labels/nope:predict", _valid(), 400, "Unrecognized servable version label: nope"),
    ("POST", "/v1/models/find_min:predict", b"{not json", 400, "JSON Parse error"),
    ("POST", "/v1/models/find_min:predict", b"", 400, "JSON Parse error"),
    ("POST", "/v1/models/find_min:predict", [1, 2], 400, "Is not object"),
    ("POST", "/v1/models/find_min:predict", {}, 400, "Missing 'inputs' or 'instances' key"),
    ("POST", "/v1/models/find_min:predict", {**_valid(), "instances": [1]}, 400, "expecting only one of"),
    ("POST", "/v1/models/find_min:predict", {"instances": []}, 400, "No values in 'instances' array"),
    ("POST", "/v1/models/find_min:predict", {"instances": 3}, 400, "'instances' to be an list/array"),
    ("POST", "/v1/models/find_min:predict", {"signature_name": "nope", **_valid()}, 400,
     'Serving signature name: "nope" not found in signature def'),
    ("POST", "/v1/models/find_min:predict", {"signature_name": 5, **_valid()}, 400, "must be a string value"),
    ("POST", "/v1/models/find_min:predict", {"inputs": {"bits": BITS_9, "maks": [[0, 0]]}}, 400,
     "Missing named input: mask in 'inputs' object."),
    ("POST", "/v1/models/find_min:predict", {"instances": [{"bits": BITS_9[0], "maks": [0, 0]}]}, 400,
     "does not have named input: maks"),
    ("POST", "/v1/models/find_min:predict", {"instances": [{"bits": BITS_9[0]}]}, 400,
     "keys must be equal to: bits,mask"),
    ("POST", "/v1/models/find_min:predict", {"instances": [[0.0] * 10]}, 400, "instances is a plain list"),
    ("POST", "/v1/models/find_min:predict", {"inputs": {"bits": [[["1"] * 10]], "mask": [[0]]}}, 400,
     "is not of expected type: float"),
    ("POST", "/v1/models/find_min:predict", {"inputs": {"bits": [[[True] * 10]], "mask": [[0]]}}, 400,
     "is not of expected type: float"),
    ("POST", "/v1/models/find_min:predict", {"inputs": {"bits": [[[16777217] * 10]], "mask": [[0]]}}, 400,
     "without loss of precision"),
    ("POST", "/v1/models/lte-programs:predict",
     {"inputs": {"ids": [[1.5]], "h0": [[0.0] * 8], "c0": [[0.0] * 8]}}, 400, "is not of expected type: int32"),
    ("POST", "/v1/models/find_min:predict", {"inputs": {"bits": [[[0] * 10, [0] * 9]], "mask": [[0, 0]]}}, 400,
     "Encountered list at unexpected size"),
    ("POST", "/v1/models/find_min:predict", {"inputs": {"bits": BITS_9, "mask": [[0, 0]]}}, 400, ""),
    ("POST", "/v1/models/find_min:predict", {"inputs": {"bits": [[0] * 10], "mask": [[0]]}}, 400, ""),
    ("POST", "/v1/models/find_min:classify", {"examples": [{}]}, 400, ""),
    ("POST", "/v1/models/find_min", _valid(), 400, "Malformed request: POST /v1/models/find_min"),
    ("GET", "/v1/models/find_min:predict", None, 400, "Malformed request"),
]


@pytest.mark.parametrize("method, path, body, code, message", BAD_REQUESTS,
                         ids=[f"{m} {p} {c} {msg or 'any'}"[:90] for m, p, _, c, msg in BAD_REQUESTS])
def test_contract_bad_requests_are_clear_errors_and_the_server_keeps_serving(url, method, path, body, code,
                                                                              message):
    status, answer = call(url, method, path, body)
    assert status == code and set(answer) == {"error"} and message in answer["error"], answer
    assert call(url, "POST", "/v1/models/find_min:predict", _valid())[1] == {"outputs": {
        "pointer": [1], "value_bits": [BITS_OF[1]], "next_mask": [[False, True]]}}


# --- the TF Serving engine against onnxruntime ---------------------------------------------------

@pytest.fixture(scope="module")
def engines(served):
    url, models = served
    return TFServingEngine.load(url), OnnxEngine.load(models)


def _sorts(rng):
    return rng.integers(0, 256, (INSTANCES, 9))


ALGORITHMS = {
    "sort": lambda engine, x: selection_sort(engine, x),
    "merge-sort": lambda engine, x: merge_sort(engine, x),
    "shortest-path": lambda engine, x: dijkstra(engine, x[0], x[1]),
    "mst": lambda engine, x: prim(engine, x).parent,
    "add": lambda engine, x: engine.add(*x),
    "mul": lambda engine, x: engine.mul(*x),
}
INPUTS = {
    "sort": _sorts,
    "merge-sort": _sorts,
    "shortest-path": lambda rng: (_graphs(rng, INSTANCES, 8), rng.integers(0, 8, INSTANCES)),
    "mst": lambda rng: _graphs(rng, INSTANCES, 8),
    "add": lambda rng: (rng.integers(0, 256, INSTANCES), rng.integers(0, 256, INSTANCES)),
    "mul": lambda rng: (rng.integers(0, 64, INSTANCES), rng.integers(0, 64, INSTANCES)),
}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_compositions_through_tfserving_equal_onnxruntime_on_100_instances(engines, algorithm):
    served, local = engines
    instances = INPUTS[algorithm](np.random.default_rng(len(algorithm)))
    expected = ALGORITHMS[algorithm](local, instances)
    assert np.asarray(expected).shape[0] == INSTANCES
    np.testing.assert_array_equal(ALGORITHMS[algorithm](served, instances), expected)


def test_each_subroutine_call_is_one_request_with_the_whole_batch(engines, monkeypatch):
    served, _ = engines
    model = served.models["find_min"]
    sizes = []
    predict = model.transport.predict

    def counted(name, signature, inputs):
        sizes.append((name, len(inputs["bits"])))
        return predict(name, signature, inputs)

    monkeypatch.setattr(model.transport, "predict", counted)
    values = np.random.default_rng(0).integers(0, 256, (INSTANCES, 5))
    step = served.find_min(values, np.zeros((INSTANCES, 5), bool))
    assert sizes == [("find_min", INSTANCES)] and step.pointer.tolist() == values.argmin(axis=1).tolist()


def test_served_metadata_is_the_exported_metadata(served):
    url, models = served
    client = TFServingClient(url)
    for name, kind in (("find_min", "nee"), ("mul", "nee"), ("lte-programs", "lte")):
        assert client.open_model(name, kind).metadata == open_named(models, name, kind).metadata


def test_metadata_keys_cover_everything_the_export_writes():
    nee = build_nee_model(10, d_model=8, num_layers=1, ff_dim=16, mask_filters=4)
    lstm = build_lstm_executor(hidden_size=8, num_layers=1, seed=0)
    runs = [TrainedRun("nee", nee, "nee", {"subroutine": "find_min"}, {}),
            TrainedRun("lte", lstm, "lte", {"task": "programs", "length": 2, "nesting": 1}, {})]
    written = set().union(*(metadata(run) for run in runs))
    assert written == set(METADATA_KEYS)


def test_executor_through_tfserving_reads_and_writes_as_on_onnxruntime(served):
    url, models = served
    remote = Executor(TFServingClient(url).open_model("lte-programs", "lte"))
    local = Executor.load(models, "lte-programs")
    for served_state, local_state in zip(remote.primed, local.primed):
        np.testing.assert_allclose(served_state, local_state, atol=1e-5)
    prompts = np.stack([local.prompt(p) for p in ("print(12+34)", "print(56-78)", "a=9#print(a)")])  # one length
    state_a = state_b = [np.repeat(part, len(prompts), axis=0) for part in local.primed]
    ids = prompts
    for _ in range(5):  # greedy steps: both runtimes must pick the same characters
        logits_a, state_a = remote._read(ids, state_a)
        logits_b, state_b = local._read(ids, state_b)
        np.testing.assert_allclose(logits_a, logits_b, atol=1e-4)
        assert (logits_a[:, -1].argmax(-1) == logits_b[:, -1].argmax(-1)).all()
        ids = logits_b[:, -1].argmax(-1).astype(np.int32)[:, None]
    programs = ["print(12+34)", "a=5#print(a*3)", "print(7)"]
    assert remote.execute(programs) == local.execute(programs)


def _compose(capsys, argv):
    """(exit code, stdout, stderr) of ``l2e-compose argv``."""
    try:
        code = cli.main(argv)
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


GRAPH = '{"nodes": 5, "edges": [[0, 1, 4], [1, 2, 5], [0, 2, 20], [2, 3, 1], [1, 3, 9]], "source": 0}'
COMMANDS = [["sort", "5", "3", "255", "0", "3"], ["merge-sort", "9", "1", "4", "--format", "json"],
            ["shortest-path", "GRAPH", "--check"], ["mst", "GRAPH", "--format", "json"], ["add", "255", "7"],
            ["mul", "63", "62", "--check"], ["execute", "a=5#print((a*3))", "--format", "json"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=[argv[0] for argv in COMMANDS])
def test_l2e_compose_engine_tfserving_prints_what_onnxruntime_prints(served, capsys, tmp_path, argv):
    url, models = served
    graph = tmp_path / "graph.json"
    graph.write_text(GRAPH)
    argv = [str(graph) if arg == "GRAPH" else arg for arg in argv]
    local = _compose(capsys, [*argv, "--models", models])
    remote = _compose(capsys, [*argv, "--engine", "tfserving", "--url", url])
    assert local[0] == 0 and local[1] and remote == local


class _NotTFServing(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>hello</html>")

    def log_message(self, *args):
        pass


@pytest.fixture
def not_tfserving():
    """The URL of an HTTP server that is not a model server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotTFServing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _assert_one_line_error(result, expected):
    code, out, err = result
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("l2e-compose") and expected in err, err


def test_server_and_url_problems_are_one_line_errors(served, capsys, not_tfserving):
    url, models = served
    sort = ["sort", "3", "1", "--engine", "tfserving"]
    _assert_one_line_error(_compose(capsys, [*sort, "--url", "ftp://localhost:21"]), "url: expected http://HOST:PORT")
    _assert_one_line_error(_compose(capsys, [*sort, "--url", "http://localhost:port"]), "bad port")
    _assert_one_line_error(_compose(capsys, [*sort, "--url", "http://127.0.0.1:9"]), "cannot reach http://127.0.0.1:9")
    _assert_one_line_error(_compose(capsys, [*sort, "--url", not_tfserving]), "with no JSON")
    _assert_one_line_error(_compose(capsys, [*sort, "--url", url, "--models", models]),
                           "--models is for --engine onnxruntime")
    _assert_one_line_error(_compose(capsys, ["sort", "3", "--url", url, "--models", models]),
                           "--url is for --engine tfserving")
    _assert_one_line_error(_compose(capsys, ["execute", "print(1)", "--executor", "nowhere", "--engine", "tfserving",
                                             "--url", url]), "HTTP 404: Servable not found for request")


def test_grpc_urls_without_tensorflow_serving_api_are_a_one_line_error(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_serving", None)  # as if the package were not installed
    _assert_one_line_error(_compose(capsys, ["sort", "3", "1", "--engine", "tfserving", "--url", "grpc://127.0.0.1:8500"]),
                           "need the tensorflow-serving-api package")


def test_wrong_and_old_models_on_the_server_are_one_line_errors(served, capsys, tmp_path):
    """merge_step is served from add's directory; find_min is a SavedModel without l2e_metadata."""
    models = served[1]
    old = tmp_path / "old" / "1"
    module = tf.Module()
    module.step = tf.function(lambda bits, mask: {"pointer": tf.argmin(tf.reduce_sum(bits, -1) + mask, axis=-1)},
                              input_signature=[tf.TensorSpec([None, None, 10], tf.float32),
                                               tf.TensorSpec([None, None], tf.float32)])
    tf.saved_model.save(module, str(old), signatures=module.step)
    config = (f'model_config_list {{ config {{ name: "merge_step" base_path: "{models}/add" }}\n'
              f'config {{ name: "find_min" base_path: "{tmp_path}/old" }} }}')
    with ModelServer(read_model_config(config), port=0, poll_seconds=0) as server:
        _assert_one_line_error(_compose(capsys, ["merge-sort", "2", "1", "--engine", "tfserving", "--url", server.url]),
                               "has subroutine 'add', expected 'merge_step'")
        _assert_one_line_error(_compose(capsys, ["sort", "2", "1", "--engine", "tfserving", "--url", server.url]),
                               "has no l2e_metadata signature")


def _versions(url: str, name: str) -> list[tuple[str, str, str]]:
    """(version, state, error code) of each version the server at ``url`` knows of model ``name``."""
    return [(e["version"], e["state"], e["status"]["error_code"])
            for e in call(url, "GET", f"/v1/models/{name}")[1]["model_version_status"]]


def _wait_for(condition, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        threading.Event().wait(0.1)


def test_the_server_serves_a_new_export_and_survives_a_broken_one(tmp_path):
    write_exact_models(str(tmp_path), ["find_min"], savedmodel=True)
    root = tmp_path / "find_min"
    config = f'model_config_list {{ config {{ name: "find_min" base_path: "{root}" }} }}'
    with ModelServer(read_model_config(config), port=0, poll_seconds=0.2) as server:
        assert _versions(server.url, "find_min") == [("1", "AVAILABLE", "OK")]
        shutil.copytree(root / "1", root / ".staging")
        os.rename(root / ".staging", root / "2")  # as l2e-export moves a new version in
        _wait_for(lambda: len(_versions(server.url, "find_min")) == 2)
        assert _versions(server.url, "find_min") == [("2", "AVAILABLE", "OK"), ("1", "END", "OK")]
        assert call(server.url, "GET", "/v1/models/find_min/metadata")[1]["model_spec"]["version"] == "2"
        assert os.path.isfile(root / "1" / "saved_model.pb")  # the old version stays on disk

        (root / "3").mkdir()
        (root / "3" / "saved_model.pb").write_bytes(b"not a SavedModel")
        _wait_for(lambda: len(_versions(server.url, "find_min")) == 3)
        assert _versions(server.url, "find_min") == [("3", "END", "UNKNOWN"), ("2", "AVAILABLE", "OK"),
                                                     ("1", "END", "OK")]
        status, answer = call(server.url, "POST", "/v1/models/find_min:predict", {"inputs": _step_inputs([[4, 2]])})
        assert status == 200 and answer["outputs"]["pointer"] == [1]


def _write_config(path, models: str, names) -> None:
    """A models.config of ``names`` under ``models``, replacing ``path`` in one rename (as an export does)."""
    entries = "".join(f'  config {{ name: "{name}" base_path: "{models}/{name}" }}\n' for name in names)
    with open(f"{path}.tmp", "w") as f:
        f.write(f"model_config_list {{\n{entries}}}\n")
    os.replace(f"{path}.tmp", path)


def _add_inputs(a: int, b: int) -> dict:
    return {"inputs": {"bits": to_bits(np.array([[a, b]]), 9).astype(float).tolist(), "mask": [[0, 0]]}}


def test_the_server_follows_changes_of_its_models_config(tmp_path):
    """Models added to the config are loaded, removed ones unloaded (status END, predict 404),
    a broken config is logged and changes nothing, and a model added back is loaded again."""
    write_exact_models(str(tmp_path), ["find_min", "add"], savedmodel=True)
    config = str(tmp_path / "models.config")
    _write_config(config, tmp_path, ["find_min"])
    log = io.StringIO()
    with ModelServer(read_model_config_file(config), port=0, poll_seconds=0, log=log, config_file=config,
                     config_poll_seconds=0.1) as server:
        assert call(server.url, "POST", "/v1/models/add:predict", _add_inputs(3, 4))[0] == 404

        _write_config(config, tmp_path, ["find_min", "add"])
        _wait_for(lambda: call(server.url, "GET", "/v1/models/add")[0] == 200)
        status, answer = call(server.url, "POST", "/v1/models/add:predict", _add_inputs(3, 4))
        assert status == 200 and answer["outputs"]["value_bits"] == to_bits(np.array([7]), 9).tolist()

        _write_config(config, tmp_path, ["add"])
        _wait_for(lambda: _versions(server.url, "find_min") == [("1", "END", "OK")])
        assert _versions(server.url, "find_min") == [("1", "END", "OK")]
        status, answer = call(server.url, "POST", "/v1/models/find_min:predict", {"inputs": _step_inputs([[4, 2]])})
        assert status == 404 and "Servable not found" in answer["error"]

        with open(config, "w") as f:
            f.write("model_config_list { config { name: ")
        _wait_for(lambda: "keeping the models as they are" in log.getvalue())
        assert "models.config: field name has no value" in log.getvalue()
        assert call(server.url, "POST", "/v1/models/add:predict", _add_inputs(1, 2))[0] == 200

        _write_config(config, tmp_path, ["find_min"])
        _wait_for(lambda: _versions(server.url, "find_min") == [("1", "AVAILABLE", "OK")])
        status, answer = call(server.url, "POST", "/v1/models/find_min:predict", {"inputs": _step_inputs([[4, 2]])})
        assert status == 200 and answer["outputs"]["pointer"] == [1]
        assert _versions(server.url, "add") == [("1", "END", "OK")]
    lines = log.getvalue().splitlines()
    assert lines.count("loaded find_min version 1 from " + str(tmp_path / "find_min" / "1")) == 2
    assert lines.count("unloaded find_min version 1") == 1 and lines.count("unloaded add version 1") == 1


MODEL_SERVER = [sys.executable, "-m", "export.server"]


@pytest.mark.parametrize("argv, expected", [
    ([], "give either --model_config_file or --model_base_path"),
    (["--model_config_file", "/nonexistent/models.config"], "cannot read /nonexistent/models.config"),
    (["--model_base_path", "/nonexistent"], "base path /nonexistent is not a directory"),
    (["--model_base_path", ".", "--rest_api_port", "70000"], "--rest_api_port must be 0..65535"),
    (["--model_base_path", ".", "--model_config_file_poll_wait_seconds", "1"],
     "--model_config_file_poll_wait_seconds goes with --model_config_file"),
    (["--model_config_file", "x", "--model_config_file_poll_wait_seconds", "-1"],
     "--model_config_file_poll_wait_seconds must be at least 0"),
])
def test_model_server_usage_errors_are_one_line(argv, expected):
    result = subprocess.run([*MODEL_SERVER, *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr


def test_model_server_command_serves_until_sigterm(served, tmp_path):
    models = served[1]
    log = open(tmp_path / "stderr", "w")
    process = subprocess.Popen([*MODEL_SERVER, "--model_name", "mul", "--model_base_path", f"{models}/mul",
                                "--rest_api_port", "0", "--file_system_poll_wait_seconds", "0"],
                               stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("serving mul on http://127.0.0.1:"), (line, (tmp_path / "stderr").read_text())
        address = line.split()[-1]
        assert call(address, "GET", "/v1/models/mul")[0] == 200
        body = {"inputs": {"bits": to_bits(np.array([[7, 9]]), 12).astype(float).tolist(), "mask": [[0, 0]]}}
        status, answer = call(address, "POST", "/v1/models/mul:predict", body)
        assert status == 200 and answer["outputs"]["value_bits"] == to_bits(np.array([63]), 12).tolist()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        log.close()


def test_grpc_tensor_coding_round_trips_through_tensorflow_protos():
    from tensorflow.core.framework import tensor_pb2

    for array in (np.arange(6, dtype=np.float32).reshape(2, 3) / 7, np.array([[1, 0], [0, 1]], dtype=bool),
                  np.arange(4, dtype=np.int64) - 2, np.arange(3, dtype=np.int32), np.array(["kind", "vocab"], object)):
        proto = tensor_pb2.TensorProto()
        to_proto(array, proto)
        expected = array if array.dtype != object else array.astype(bytes)
        np.testing.assert_array_equal(tf.make_ndarray(proto), expected)
        np.testing.assert_array_equal(from_proto(tf.make_tensor_proto(expected)), from_proto(proto))
        assert from_proto(proto).dtype == array.dtype
    proto = tf.make_tensor_proto(np.full((2, 3), 1.5, np.float32))
    proto.tensor_content, proto.float_val[:] = b"", [1.5]  # a value repeated to fill the shape
    np.testing.assert_array_equal(from_proto(proto), np.full((2, 3), 1.5, np.float32))


def test_model_server_command_reads_its_config_file_again_when_asked(served, tmp_path):
    models = served[1]
    config = str(tmp_path / "models.config")
    _write_config(config, models, ["mul"])
    process = subprocess.Popen([*MODEL_SERVER, "--model_config_file", config, "--rest_api_port", "0",
                                "--model_config_file_poll_wait_seconds", "0.2"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        address = process.stdout.readline().split()[-1]
        assert call(address, "GET", "/v1/models/add")[0] == 404
        _write_config(config, models, ["mul", "add"])
        _wait_for(lambda: call(address, "GET", "/v1/models/add")[0] == 200)
        status, answer = call(address, "POST", "/v1/models/add:predict", _add_inputs(200, 55))
        assert status == 200 and answer["outputs"]["value_bits"] == to_bits(np.array([255]), 9).tolist()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
