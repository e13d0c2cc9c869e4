"""``python -m export.server`` (``l2e-model-server``): a model server that speaks TF Serving's
REST API, backed by TensorFlow, for machines where ``tensorflow_model_server`` cannot be installed.

    python -m export.server --model_config_file models/models.config --rest_api_port 8501
    python -m export.server --model_name find_min --model_base_path models/find_min

It serves the SavedModels of an ``l2e-export`` models directory (or any SavedModels in TF
Serving's layout) under TF Serving's flag names, paths and JSON, so that the same clients
(curl, ``l2e-compose --engine tfserving``, the contract tests) work against either:

    GET  /v1/models/NAME[/versions/V | /labels/L]             status: {"model_version_status": [...]}
    GET  /v1/models/NAME[/versions/V | /labels/L]/metadata    {"model_spec": ..., "metadata": {"signature_def": ...}}
    POST /v1/models/NAME[/versions/V | /labels/L]:predict     {"instances": ...} -> {"predictions": ...},
                                                               {"inputs": ...} -> {"outputs": ...}

Without a version or label a request goes to the latest loaded version. Errors are
``{"error": "message"}``: HTTP 404 for an unknown model or version, 400 for a bad request
(malformed JSON, unknown signature or label, missing inputs, wrong dtypes or shapes); the
server goes on serving. The version policy and labels of ``models.config`` are honoured, and
the base paths are polled for new versions every ``--file_system_poll_wait_seconds``; with
``--model_config_file_poll_wait_seconds``, the config file is read again as often, and models
added to it are loaded, removed ones unloaded.
Classification and regression (``:classify``, ``:regress``) and gRPC are not served.
"""

import os
import signal
import sys
import threading

from export.server.model_config import ModelConfig, read_model_config_file
from l2e.cli import ArgumentParser, import_tensorflow, run_main


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="l2e-model-server",
        description="Serve SavedModels in TF Serving's layout (MODELS_DIR/NAME/VERSION/) over TF Serving's REST "
        "API, with tensorflow_model_server's flag names: model status, metadata and predict (row and columnar "
        "JSON). For tests and machines without tensorflow_model_server; the tensorflow/serving container "
        "serves the same directory (docs/SERVING.md).")
    p.add_argument("--model_config_file", metavar="FILE",
                   help="text-format ModelServerConfig, e.g. MODELS_DIR/models.config as l2e-export writes it "
                   "(relative base paths are taken from the current directory)")
    p.add_argument("--model_name", metavar="NAME", help="serve one model by this name (with --model_base_path)")
    p.add_argument("--model_base_path", metavar="DIR", help="the version directories of the one model")
    p.add_argument("--rest_api_port", type=int, default=8501, metavar="PORT",
                   help="port of the REST API (default 8501; 0 = any free port, printed at start)")
    p.add_argument("--rest_api_host", default="127.0.0.1", metavar="HOST",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    p.add_argument("--file_system_poll_wait_seconds", type=float, default=1.0, metavar="SECONDS",
                   help="how often to look for new or removed versions (default 1; 0 = only at start)")
    p.add_argument("--model_config_file_poll_wait_seconds", type=float, default=0.0, metavar="SECONDS",
                   help="how often to read --model_config_file again: models added to it are loaded, removed "
                   "ones unloaded, changed ones follow their new entry (default 0 = only at start, as "
                   "tensorflow_model_server)")
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return p


def _configs(args) -> list[ModelConfig]:
    """The models the flags name; ValueError for a bad combination, config or base path."""
    if (args.model_config_file is None) == (args.model_base_path is None):
        raise ValueError("give either --model_config_file or --model_base_path (with --model_name)")
    if args.model_config_file is not None:
        if args.model_name is not None:
            raise ValueError("--model_name goes with --model_base_path, not --model_config_file")
        configs = read_model_config_file(args.model_config_file)
    else:
        configs = [ModelConfig(args.model_name or "default", os.path.abspath(args.model_base_path))]
    missing = [config for config in configs if not os.path.isdir(config.base_path)]
    if missing:
        raise ValueError(f"model {missing[0].name}: base path {missing[0].base_path} is not a directory")
    return configs


def _serve(argv) -> int:
    args = build_parser().parse_args(argv)
    if not 0 <= args.rest_api_port <= 65535:
        raise ValueError(f"--rest_api_port must be 0..65535, got {args.rest_api_port}")
    if args.file_system_poll_wait_seconds < 0:
        raise ValueError("--file_system_poll_wait_seconds must be at least 0")
    if args.model_config_file_poll_wait_seconds < 0:
        raise ValueError("--model_config_file_poll_wait_seconds must be at least 0")
    if args.model_config_file_poll_wait_seconds > 0 and args.model_config_file is None:
        raise ValueError("--model_config_file_poll_wait_seconds goes with --model_config_file")
    configs = _configs(args)
    import_tensorflow()
    from export.server.rest_server import ModelServer

    server = ModelServer(configs, args.rest_api_host, args.rest_api_port, args.file_system_poll_wait_seconds,
                         args.verbose, config_file=args.model_config_file,
                         config_poll_seconds=args.model_config_file_poll_wait_seconds)
    try:
        server.start()
    except OSError as error:
        raise ValueError(f"cannot listen on {args.rest_api_host}:{args.rest_api_port}: {error.strerror}") from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"serving {', '.join(sorted(c.name for c in configs))} on {server.url}", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


def main(argv=None) -> int:
    """The command line; bad flags or config are one-line errors with exit code 2, Ctrl-C ends it."""
    return run_main(_serve, argv, "l2e-model-server")


if __name__ == "__main__":
    sys.exit(main())
