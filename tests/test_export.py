"""Export of trained runs: TF Serving layout, versions, ONNX (opset 17, LSTM ops), metadata,
the TensorFlow / onnxruntime parity check, and the serving executor against the Keras decoder."""

import hashlib
import json
import os

import keras
import numpy as np
import onnx
import onnxruntime
import pytest
import tensorflow as tf

from export.__main__ import main
from export.parity import TOLERANCE, ParityReport, check_parity, nee_batch
import export.pipeline
from export.run import lte_primer
from l2e.lte.data.example import Example
from l2e.lte.evaluation import ExecutorRunner
from l2e.lte.model import build_lstm_executor
from l2e.nee.model import build_nee_model
from serving.engine import FORMATS
from serving.executor import Executor
from serving.numbers import from_bits
from serving.onnx_model import open_model

FINAL = {"step": 10, "test": {"value_accuracy": 0.25}}


def _save_run(run_dir, model, config):
    os.makedirs(run_dir, exist_ok=True)
    model.save(os.path.join(run_dir, "model.keras"))
    with open(os.path.join(run_dir, "metrics.json"), "w") as f:
        json.dump({"config": config, "history": [], "final": FINAL}, f)
    return str(run_dir)


@pytest.fixture(scope="module")
def nee_run(tmp_path_factory):
    keras.utils.set_random_seed(4)
    model = build_nee_model(10, d_model=8, num_layers=1, ff_dim=16, mask_filters=4)
    return _save_run(tmp_path_factory.mktemp("runs") / "find_min",
                     model, {"name": "find_min-tiny", "subroutine": "find_min", "learning_rate": 0.001})


@pytest.fixture(scope="module")
def lstm_run(tmp_path_factory):
    model = build_lstm_executor(hidden_size=8, num_layers=2, seed=5)
    config = {"name": "programs-L2N1-combined", "task": "programs", "length": 2, "nesting": 1, "seed": 0,
              "hidden_size": 8, "num_layers": 2}
    return _save_run(tmp_path_factory.mktemp("runs") / "programs", model, config)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory, nee_run, lstm_run):
    """Both runs exported once (the NEE export is the slow one: it is done only here)."""
    out = tmp_path_factory.mktemp("models")
    assert main([nee_run, "--out", str(out)]) == 0
    assert main([lstm_run, "--out", str(out), "--parity-rows", "200"]) == 0
    return out


def _digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert ": error: " in err and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_nee_export_writes_savedmodel_onnx_and_metadata(models_dir):
    version = models_dir / "find_min" / "1"
    assert {"saved_model.pb", "variables", "model.onnx", "metadata.json"} <= set(os.listdir(version))

    signatures = tf.saved_model.load(str(version)).signatures
    signature = signatures["serving_default"]
    assert set(signature.structured_input_signature[1]) == {"bits", "mask"}
    assert set(signature.structured_outputs) == {"value_logits", "value_bits", "pointer_logits", "pointer",
                                                 "next_mask_logits", "next_mask"}

    proto = onnx.load(str(version / "model.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    assert [opset.version for opset in proto.opset_import if opset.domain in ("", "ai.onnx")] == [17]
    bits_dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [dim.dim_value for dim in bits_dims] == [0, 0, 10]  # dynamic batch and N

    with open(version / "metadata.json") as f:
        info = json.load(f)
    props = {entry.key: json.loads(entry.value) for entry in proto.metadata_props}
    assert props == info
    assert info["kind"] == "nee" and info["subroutine"] == "find_min" and info["num_bits"] == 10
    assert info["tokens"] == {"INFINITY": 511, "END": 512}
    assert info["training"]["learning_rate"] == 0.001 and info["accuracy"] == FINAL

    asked = ["subroutine", "tokens", "accuracy", "absent"]  # the metadata a model server hands out
    values = signatures["l2e_metadata"](keys=tf.constant(asked))["values"].numpy()
    assert [json.loads(value) for value in values] == [info["subroutine"], info["tokens"], FINAL, None]


def test_onnxruntime_fuses_the_layer_norms_and_dense_biases_of_an_export(tmp_path):
    """The exported layer norms keep the pattern onnxruntime turns into LayerNormalization kernels
    (tf2onnx's GlobalAveragePool rewrite of ReduceMean would hide it), and the projections of
    [B, T, d] tensors become Gemm kernels with their biases (``export.graph_rewrites``).
    Trained-like weights: a norm with scale 1 and shift 0 loses its Mul and Add to constant
    folding and is not fused, and zero biases would vanish the same way."""
    keras.utils.set_random_seed(7)
    model = build_nee_model(10, d_model=8, num_layers=1, ff_dim=16, mask_filters=4)
    rng = np.random.default_rng(7)
    model.set_weights([w + 0.5 * rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    run = _save_run(tmp_path / "find_min", model, {"name": "find_min-tiny", "subroutine": "find_min"})
    assert main([run, "--out", str(tmp_path / "models")]) == 0
    options = onnxruntime.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    onnxruntime.InferenceSession(str(tmp_path / "models" / "find_min" / "1" / "model.onnx"), options,
                                 providers=["CPUExecutionProvider"])
    op_types = [node.op_type for node in onnx.load(options.optimized_model_filepath).graph.node]
    assert op_types.count("LayerNormalization") >= 3 and "GlobalAveragePool" not in op_types
    assert op_types.count("Gemm") >= 4  # at least the cross-attention's four projections


def test_a_new_export_adds_a_version_and_leaves_the_older_untouched(models_dir, lstm_run, capsys):
    first = models_dir / "lte-programs" / "1"
    before = {name: _digest(first / name) for name in ("saved_model.pb", "model.onnx", "metadata.json")}
    capsys.readouterr()
    assert main([lstm_run, "--out", str(models_dir), "--json", "--parity-rows", "100"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["version"] == 2 and os.path.isfile(models_dir / "lte-programs" / "2" / "model.onnx")
    assert {name: _digest(first / name) for name in before} == before
    assert sorted(os.listdir(models_dir / "lte-programs")) == ["1", "2"]  # no staging directory left

    config = (models_dir / "models.config").read_text()
    assert config.startswith("model_config_list {") and config.count("config {") == 2
    for name in ("find_min", "lte-programs"):
        assert f'name: "{name}"\n    base_path: "{models_dir}/{name}"' in config


def test_lstm_export_uses_onnx_lstm_ops_and_stores_the_primer(models_dir, lstm_run):
    proto = onnx.load(str(models_dir / "lte-programs" / "1" / "model.onnx"))
    op_types = [node.op_type for node in proto.graph.node]
    assert op_types.count("LSTM") == 2 and "Loop" not in op_types and "Scan" not in op_types
    assert [i.name for i in proto.graph.input] == ["ids", "h0", "c0", "h1", "c1"]
    assert sorted(o.name for o in proto.graph.output) == ["logits", "next_c0", "next_c1", "next_h0", "next_h1"]
    props = {entry.key: json.loads(entry.value) for entry in proto.metadata_props}
    with open(os.path.join(lstm_run, "metrics.json")) as f:
        config = json.load(f)["config"]
    assert props["primer"] == lte_primer(config) and props["primer"].count(".") == 4
    assert props["kind"] == "lte" and props["task"] == "programs" and props["hidden_size"] == 8


@pytest.mark.parametrize("name", ["find_min", "lte-programs"])
def test_savedmodel_and_onnxruntime_agree_on_1000_random_inputs(models_dir, name):
    version = models_dir / name / "1"
    with open(version / "metadata.json") as f:
        info = json.load(f)
    report = check_parity(str(version), str(version / "model.onnx"), info, rows=1000, seed=1)
    assert report.rows == 1000 and report.ok, report.summary()
    decoded = {"argmax"} if name == "lte-programs" else {"value_bits", "pointer", "next_mask"}
    assert set(report.mismatches) == decoded
    assert all(diff <= TOLERANCE for diff in report.max_scaled_diff.values())


def test_parity_report_fails_on_float_or_decoded_differences():
    logits = np.zeros((3, 4), np.float32)
    report = ParityReport()
    report.add({"logits": logits, "pointer": np.array([0, 1, 2])},
               {"logits": logits + 2 * TOLERANCE, "pointer": np.array([0, 1, 2])})
    assert not report.ok and report.rows == 3
    report = ParityReport()
    shifted = logits.copy()
    shifted[1, 3] = 1e-5
    report.add({"logits": logits, "pointer": np.array([0, 1, 2])}, {"logits": shifted, "pointer": np.array([0, 2, 2])})
    assert not report.ok and report.mismatches == {"argmax": 1, "pointer": 1}


@pytest.mark.parametrize("subroutine", ["find_min", "merge_step", "add", "mul"])
def test_random_parity_inputs_are_valid_codes_of_every_subroutine(subroutine):
    fmt = FORMATS[subroutine]
    tokens = {str(token): token for token in fmt.tokens}
    feed = nee_batch(np.random.default_rng(0), {"subroutine": subroutine, "max_input": fmt.max_input,
                                                "tokens": tokens, "num_bits": fmt.num_bits}, rows=50)
    codes = from_bits(feed["bits"].astype(np.int64))
    assert feed["bits"].shape[-1] == fmt.num_bits and set(np.unique(feed["bits"])) <= {0.0, 1.0}
    assert np.all((codes <= fmt.max_input) | np.isin(codes, list(fmt.tokens)))
    assert np.all((feed["mask"] == 0).any(axis=1))


def test_parity_tolerance_scales_with_the_rows_largest_logit():
    want = np.array([[0.5, -0.2], [50.0, 3.0]], np.float32)
    report = ParityReport()
    report.add({"logits": want}, {"logits": want + np.array([[0, 0], [0, 40 * TOLERANCE]], np.float32)})
    assert report.ok and report.max_abs_diff["logits"] == pytest.approx(40 * TOLERANCE, rel=1e-3)
    report = ParityReport()
    report.add({"logits": want}, {"logits": want + np.array([[2 * TOLERANCE, 0], [0, 0]], np.float32)})
    assert not report.ok


def test_export_fails_in_one_line_when_onnx_disagrees(lstm_run, tmp_path, monkeypatch, capsys):
    convert = export.pipeline.to_onnx

    def perturbed(step, info):
        """The converted model with its largest weight matrix moved by 0.01."""
        proto = convert(step, info)
        floats = [t for t in proto.graph.initializer if t.data_type == onnx.TensorProto.FLOAT and t.raw_data]
        tensor = max(floats, key=lambda t: len(t.raw_data))
        tensor.raw_data = (np.frombuffer(tensor.raw_data, np.float32) + np.float32(0.01)).tobytes()
        return proto

    monkeypatch.setattr(export.pipeline, "to_onnx", perturbed)
    assert main([lstm_run, "--out", str(tmp_path), "--parity-rows", "50"]) == 2
    assert "parity: TensorFlow and onnxruntime disagree" in _one_line_error(capsys)
    assert os.listdir(tmp_path / "lte-programs") == []


def test_bad_run_directories_are_one_line_errors(tmp_path, nee_run, capsys):
    assert main([str(tmp_path / "missing"), "--out", str(tmp_path / "m")]) == 2
    assert "is not a directory" in _one_line_error(capsys)

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty), "--out", str(tmp_path / "m")]) == 2
    assert "metrics.json does not exist" in _one_line_error(capsys)

    (empty / "metrics.json").write_text(json.dumps({"config": {"subroutine": "find_min"}, "history": []}))
    assert main([str(empty), "--out", str(tmp_path / "m")]) == 2
    assert "no final evaluation" in _one_line_error(capsys)

    (empty / "metrics.json").write_text(json.dumps({"config": {"subroutine": "find_min"}, "final": {}}))
    (empty / "model.keras").write_bytes(b"not a zip archive")
    assert main([str(empty), "--out", str(tmp_path / "m")]) == 2
    assert "cannot load" in _one_line_error(capsys)

    assert main([nee_run, "--out", str(tmp_path / "m"), "--name", "../escape"]) == 2
    assert "name:" in _one_line_error(capsys)


def test_executor_on_onnxruntime_writes_what_the_keras_decoder_writes(models_dir, lstm_run):
    """Greedy decoding after the stored primer: serving (onnxruntime) against l2e.lte.evaluation (TF)."""
    model = keras.saving.load_model(os.path.join(lstm_run, "model.keras"))
    executor = Executor(open_model(str(models_dir / "lte-programs" / "1" / "model.onnx"), "lte"))
    programs = ["print(12+34)", "a=5#print(a*3)", "print(7)", "b=1#for x in range(3):b+=2#print(b)"]
    long_answer = "0" * 64  # the Keras decoder writes up to len(answer) + 1 characters
    expected = ExecutorRunner(model).greedy_answers([Example(p, long_answer) for p in programs],
                                                    executor.model.metadata["primer"])
    for program, answer in zip(programs, expected):
        if answer.endswith("."):
            assert executor.execute([program]) == [answer[:-1]]
        else:
            with pytest.raises(ValueError, match="no end of output within 64"):
                executor.execute([program])
