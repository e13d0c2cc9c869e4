"""``python -m export RUN_DIR --out MODELS_DIR`` (``l2e-export``): export a trained run.

    python -m export runs/find_min --out models
    python -m export runs/programs-L6N3 --out models --base-path /models --json
    python -m export --shipped --out models     # the models shipped with the package (export.shipped)

Writes version V + 1 of the model (SavedModel + model.onnx + metadata.json, see ``export``),
checks that TensorFlow and onnxruntime agree on random inputs, and only then moves the version
into place and rewrites ``MODELS_DIR/models.config``. A disagreement is an error (exit 2).
"""

import json
import os
import re
import sys

from l2e.cli import ArgumentParser, bounded_int, import_tensorflow, run_main

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="l2e-export",
        description="Export a trained run (a directory with model.keras and metrics.json) as a SavedModel "
        "in TF Serving's layout MODELS_DIR/NAME/VERSION/ and as an ONNX model (opset 17) beside it, both "
        "with metadata; check that TensorFlow and onnxruntime agree; refresh MODELS_DIR/models.config. With "
        "--shipped, the same for every model shipped with the package.")
    p.add_argument("run_dir", metavar="RUN_DIR", nargs="?", help="the trained run: model.keras and metrics.json")
    p.add_argument("--shipped", action="store_true",
                   help="instead of RUN_DIR, export every model shipped with the package (serving/models/NAME.onnx "
                   "with NAME.json): a SavedModel that runs the shipped ONNX graph, checked against it, with the "
                   "ONNX file and metadata beside it; a model whose latest version is already that file is kept")
    p.add_argument("--out", required=True, metavar="MODELS_DIR",
                   help="the models directory; created if missing; older versions are left untouched")
    p.add_argument("--name", help="model name (default: the NEE subroutine, e.g. find_min, or lte-TASK for "
                   "an executor, e.g. lte-programs; these are the names l2e-compose looks for)")
    p.add_argument("--base-path", metavar="DIR", help="the directory TF Serving will see MODELS_DIR as, "
                   "written into models.config (default: the absolute MODELS_DIR; /models when it is "
                   "mounted into the tensorflow/serving container)")
    p.add_argument("--parity-rows", type=bounded_int(1, 1_000_000), default=1000,
                   help="random inputs on which TensorFlow and onnxruntime must agree (default 1000)")
    p.add_argument("--seed", type=bounded_int(0), default=0, help="seed of the random parity inputs (default 0)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    return p


def _export(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.shipped == (args.run_dir is not None):
        raise ValueError("give either RUN_DIR or --shipped")
    if args.shipped and args.name is not None:
        raise ValueError("--name is for RUN_DIR; the shipped models keep their names")
    if args.name is not None and not NAME_PATTERN.fullmatch(args.name):
        raise ValueError(f"name: use letters, digits, '_', '-' and '.', got {args.name!r}")
    if args.run_dir is not None and not os.path.isdir(args.run_dir):
        raise ValueError(f"run: {args.run_dir} is not a directory")
    import_tensorflow()
    if args.shipped:
        return _export_shipped(args)
    from export.pipeline import export_run

    result = export_run(args.run_dir, args.out, name=args.name, base_path=args.base_path,
                        parity_rows=args.parity_rows, seed=args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"exported {result['name']} version {result['version']} to {result['path']}\n"
              f"parity: {result['parity']}\nmodels.config: {result['models_config']}")
    return 0


def _export_shipped(args) -> int:
    from export.shipped import export_shipped

    result = export_shipped(args.out, base_path=args.base_path, parity_rows=args.parity_rows, seed=args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        for model in result["models"]:
            print(f"{model['name']} version {model['version']} in {model['path']}: parity {model['parity']}")
        print(f"models.config: {result['models_config']}")
    return 0


def main(argv=None) -> int:
    """The command line; a ValueError becomes a one-line error and exit code 2."""
    return run_main(_export, argv)


if __name__ == "__main__":
    sys.exit(main())
