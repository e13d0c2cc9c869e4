"""Trained run -> inference models: a SavedModel in TF Serving's layout and an ONNX model.

``python -m export RUN_DIR --out MODELS_DIR`` (console script ``l2e-export``) writes, for the
run's model named NAME, a new version V (one above the highest there):

    MODELS_DIR/models.config              TF Serving ModelServerConfig listing every model
    MODELS_DIR/NAME/V/saved_model.pb      SavedModel: signatures ``serving_default`` and ``l2e_metadata``
    MODELS_DIR/NAME/V/variables/
    MODELS_DIR/NAME/V/model.onnx          the same step as ONNX (opset 17), metadata_props set
    MODELS_DIR/NAME/V/metadata.json       the same metadata as JSON

and checks that the SavedModel and onnxruntime agree on random inputs before the version
appears. Modules: ``run`` (reading a run directory, the metadata), ``signatures`` (the exported
step functions), ``savedmodel`` (TF Serving layout and config), ``to_onnx`` (conversion),
``parity`` (the agreement check), ``pipeline`` (one export, start to end), ``__main__`` (the
command line). ``python -m export --shipped --out MODELS_DIR`` does the same for the models
shipped in ``serving/models/`` (``shipped``), their SavedModels built from the shipped ONNX
models (``from_onnx``: an ONNX graph as TensorFlow ops).

The model server that speaks TF Serving's REST API over such a directory is the subpackage
:mod:`export.server` (``python -m export.server``, console script ``l2e-model-server``).
"""
