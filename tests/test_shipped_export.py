"""``l2e-export --shipped``: the models shipped in serving/models as a TF Serving model base, and
the README's TF Serving section against it.

The fast tests export a small stand-in for serving/models (the shipped find-min model and a tiny
executor shipped under a new name, as the next executor will be) and serve it with the in-repo
model server. The slow test follows the README on the real shipped models: ``l2e-export
--shipped``, ``l2e-model-server``, every curl example and every ``l2e-compose`` command.
"""

import configparser
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
import tensorflow as tf

from export.__main__ import main
from export.pipeline import METADATA_FILE
from export.server.model_config import read_model_config
from export.server.rest_server import ModelServer
from export.shipped import export_shipped, shipped_names
from onnx_models import write_executor
from serving.model import METADATA_SIGNATURE, SIGNATURE
from serving.numbers import to_bits
from serving.onnx_model import ONNX_FILE, SHIPPED_MODELS
from test_tfserving import COMMANDS, GRAPH, _compose, call

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NEW_EXECUTOR = "lte-addition"


def _ship_executor(source: str, scratch: str) -> None:
    """A tiny executor shipped flat as ``NEW_EXECUTOR``.onnx and .json, metadata and all, as a
    trained one will be: the code must pick it up by its files alone."""
    write_executor(scratch, name=NEW_EXECUTOR, end_bias=2.0)
    proto = onnx.load(os.path.join(scratch, NEW_EXECUTOR, "1", ONNX_FILE))
    info = {entry.key: json.loads(entry.value) for entry in proto.metadata_props}
    info.update(name=NEW_EXECUTOR, task="addition")
    del proto.metadata_props[:]
    for key, value in info.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, json.dumps(value)
    onnx.save(proto, os.path.join(source, f"{NEW_EXECUTOR}.onnx"))
    with open(os.path.join(source, f"{NEW_EXECUTOR}.json"), "w") as f:
        json.dump(info, f)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A stand-in for serving/models: the shipped find_min and a new executor."""
    source = str(tmp_path_factory.mktemp("shipped"))
    for suffix in (".onnx", ".json"):
        shutil.copyfile(os.path.join(SHIPPED_MODELS, "find_min" + suffix), os.path.join(source, "find_min" + suffix))
    _ship_executor(source, str(tmp_path_factory.mktemp("scratch")))
    return source


@pytest.fixture(scope="module")
def exported(source, tmp_path_factory):
    """(models directory, export_shipped's result) of ``source``."""
    models = str(tmp_path_factory.mktemp("models"))
    return models, export_shipped(models, source, parity_rows=200)


def test_every_shipped_model_is_found_by_its_files(source):
    assert shipped_names(source) == ["find_min", NEW_EXECUTOR]
    assert {"find_min", "merge_step", "add", "mul", "lte-programs"} <= set(shipped_names())


def test_shipped_export_writes_a_tf_serving_model_base_with_the_onnx_beside(source, exported):
    models, result = exported
    assert [(m["name"], m["version"]) for m in result["models"]] == [("find_min", 1), (NEW_EXECUTOR, 1)]
    for model in result["models"]:
        name, path = model["name"], model["path"]
        assert path == os.path.join(models, name, "1")
        assert re.search(r"decoded rows that differ: \w+ 0(, \w+ 0)*$", model["parity"]), model["parity"]
        with open(os.path.join(path, ONNX_FILE), "rb") as a, open(os.path.join(source, name + ".onnx"), "rb") as b:
            assert a.read() == b.read()
        with open(os.path.join(path, METADATA_FILE)) as a, open(os.path.join(source, name + ".json")) as b:
            assert json.load(a) == json.load(b)
        loaded = tf.saved_model.load(path)
        assert set(loaded.signatures) == {SIGNATURE, METADATA_SIGNATURE}
        weights = [t for t in onnx.load(os.path.join(source, name + ".onnx")).graph.initializer
                   if t.data_type == onnx.TensorProto.FLOAT]
        saved = [v for v, _ in tf.train.list_variables(os.path.join(path, "variables", "variables"))
                 if v.endswith("VARIABLE_VALUE")]
        assert len(saved) == len(weights) > 0  # the weights are variables, as in an export of a trained run
    with open(result["models_config"]) as f:
        configs = read_model_config(f.read())
    assert [(c.name, c.base_path) for c in configs] == [(n, os.path.join(models, n)) for n in ("find_min",
                                                                                                  NEW_EXECUTOR)]


def test_the_savedmodel_computes_the_shipped_onnx_step(exported):
    """find-min of [[3, 1], [7, 9, 4]] through the SavedModel: the shipped model's answer."""
    signature = tf.saved_model.load(os.path.join(exported[0], "find_min", "1")).signatures[SIGNATURE]
    out = signature(bits=tf.constant(to_bits(np.array([[3, 1, 5], [7, 9, 4]]), 10), tf.float32),
                    mask=tf.constant([[0, 0, 1], [0, 0, 0]], tf.float32))
    assert out["pointer"].numpy().tolist() == [1, 2]
    assert out["next_mask"].numpy().tolist() == [[False, True, True], [False, False, True]]


def test_a_second_export_keeps_unchanged_models_and_adds_a_version_of_changed_ones(source, exported, tmp_path):
    models = str(tmp_path / "models")
    shutil.copytree(exported[0], models)
    again = export_shipped(models, source)
    assert [(m["name"], m["version"], m["parity"]) for m in again["models"]] == [
        ("find_min", 1, "unchanged"), (NEW_EXECUTOR, 1, "unchanged")]
    changed = str(tmp_path / "changed")
    shutil.copytree(source, changed)
    proto = onnx.load(os.path.join(changed, "find_min.onnx"))
    proto.doc_string = "a new build of the same model"
    onnx.save(proto, os.path.join(changed, "find_min.onnx"))
    result = export_shipped(models, changed, parity_rows=10)
    assert [(m["name"], m["version"]) for m in result["models"]] == [("find_min", 2), (NEW_EXECUTOR, 1)]
    assert sorted(os.listdir(os.path.join(models, "find_min"))) == ["1", "2"]


def test_the_new_executor_and_find_min_answer_through_the_model_server_as_on_onnxruntime(source, exported, capsys):
    models, result = exported
    with open(result["models_config"]) as f:
        configs = read_model_config(f.read())
    with ModelServer(configs, port=0, poll_seconds=0) as server:
        for argv in (["execute", "a=5#print((a+3))", "--executor", NEW_EXECUTOR, "--format", "json"],
                     ["sort", "5", "3", "255", "0", "3"]):
            local = _compose(capsys, [*argv, "--models", source])
            remote = _compose(capsys, [*argv, "--engine", "tfserving", "--url", server.url])
            assert local[0] == 0 and local[1] and remote == local, (local, remote)


def test_metadata_that_differs_from_the_onnx_model_is_refused(source, tmp_path):
    changed = str(tmp_path / "changed")
    shutil.copytree(source, changed)
    with open(os.path.join(changed, "find_min.json"), "w") as f:
        json.dump({"kind": "nee", "name": "find_min"}, f)
    with pytest.raises(ValueError, match=r"find_min.json differs from the metadata of .*find_min.onnx"):
        export_shipped(str(tmp_path / "models"), changed)


@pytest.mark.parametrize("argv, message", [
    (["--out", "m"], "give either RUN_DIR or --shipped"),
    (["runs/x", "--shipped", "--out", "m"], "give either RUN_DIR or --shipped"),
    (["--shipped", "--name", "x", "--out", "m"], "--name is for RUN_DIR"),
])
def test_shipped_usage_errors_are_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err
    assert os.listdir(tmp_path) == []


def test_an_out_directory_that_cannot_be_made_is_a_one_line_error(capsys):
    assert main(["--shipped", "--out", "/dev/null/models"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "cannot create /dev/null/models/" in err, err


def test_the_files_the_shipped_export_reads_are_package_data():
    """A fresh install has what ``l2e-export --shipped`` reads: every NAME.onnx and NAME.json."""
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "setup.cfg"))
    patterns = [p.strip() for p in config["options.package_data"]["serving"].split(",")]
    for name in shipped_names():
        for suffix in (".onnx", ".json"):
            path = f"models/{name}{suffix}"
            assert any(fnmatch.fnmatch(path, pattern) for pattern in patterns), path


# --- the README, on the real shipped models --------------------------------------------------------

def readme_tf_serving_commands() -> list[list[str]]:
    """The commands of the README's TF Serving section, continuation lines joined, split by shlex."""
    with open(os.path.join(ROOT, "README.md")) as f:
        section = f.read().split("### TF Serving", 1)[1].split("\n## ", 1)[0]
    text = re.sub(r"\\\n\s*", " ", section)
    return [shlex.split(line.split("  #")[0]) for line in text.splitlines() if line.startswith("    ")
            and line.split()[0] in ("l2e-export", "docker", "curl", "l2e-compose", "l2e-model-server")]


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    bin_dir = os.path.dirname(sys.executable)
    return subprocess.run([os.path.join(bin_dir, argv[0]), *argv[1:]], capture_output=True, text=True, timeout=600,
                          **kwargs)


def test_the_readme_names_the_shipped_export_and_curl_examples():
    commands = readme_tf_serving_commands()
    assert ["l2e-export", "--shipped", "--out", "models"] in commands
    assert sum(command[0] == "curl" for command in commands) >= 4
    assert {command[1] for command in commands if command[0] == "l2e-compose"} >= {"sort", "execute"}


@pytest.mark.slow
def test_the_readme_tf_serving_section_works_on_the_shipped_models(tmp_path, capsys):
    """On the shipped models: the README's export, its server command (the in-repo server in
    place of docker), each curl example (HTTP 200, find-min of 3 and 1 is 1) and each
    l2e-compose command; then every l2e-compose command through TF Serving prints what it
    prints on onnxruntime."""
    commands = readme_tf_serving_commands()
    export = next(command for command in commands if command[0] == "l2e-export")
    result = _run(export, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = tmp_path / "models" / "models.config"
    names = {c.name for c in read_model_config(config.read_text())}
    assert names == set(shipped_names())
    server = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "l2e-model-server"),
                               "--model_config_file", "models/models.config", "--rest_api_port", "0"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("serving "), line
        url = line.split()[-1]
        curls = [c for c in commands if c[0] == "curl"]
        for curl in curls:
            body = curl[curl.index("-d") + 1] if "-d" in curl else None
            status, answer = call(url, "POST" if body else "GET", curl[-1].replace("http://localhost:8501", ""),
                                  body and body.encode())
            assert status == 200, (curl, answer)
            if body and '"bits"' in body:
                assert answer["predictions"][0]["pointer"] == 1
                assert answer["predictions"][0]["value_bits"] == to_bits(np.array(1), 10).tolist()
        for command in (c for c in commands if c[0] == "l2e-compose"):
            command = [arg.replace("http://localhost:8501", url) for arg in command]
            result = _run(command)
            assert result.returncode == 0 and result.stdout, (command, result.stderr)
        graph = tmp_path / "graph.json"
        graph.write_text(GRAPH)
        for argv in COMMANDS:
            argv = [str(graph) if arg == "GRAPH" else arg for arg in argv]
            local = _compose(capsys, argv)
            remote = _compose(capsys, [*argv, "--engine", "tfserving", "--url", url])
            assert local[0] == 0 and local[1] and remote == local, (argv, local, remote)
    finally:
        server.terminate()
        server.wait(timeout=60)
