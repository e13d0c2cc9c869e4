"""Run the TF Serving contract tests (``tests/test_tfserving.py``) against a real model server.

    python tools/tf_serving_contract.py --write /tmp/contract          # 1. the test models + models.config
    docker run --rm -p 8501:8501 -v /tmp/contract:/models tensorflow/serving \\
        --model_config_file=/models/models.config --allow_version_labels_for_unavailable_models=true
    python tools/tf_serving_contract.py --url http://localhost:8501 --models /tmp/contract   # 2. the tests

Step 1 writes the models the tests expect (exact stand-ins for the NEE subroutines and a tiny
executor, as SavedModel and ONNX, two versions of some; ``onnx_models.write_served_models``)
with a ``models.config`` whose base paths are ``--base-path`` (default ``/models``, the
container's mount). Step 2 runs the tests that go through ``TF_SERVING_URL``: the REST contract
(status, metadata, predict in both formats, versions and labels, every kind of bad request)
and the compositions through the TF Serving engine against onnxruntime on the local copy.
Without ``--url`` the same tests run against the in-repo server (``export.server``).
"""

import argparse
import os
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
SELECTION = "contract or through_tfserving or one_request or l2e_compose_engine or served_metadata"
"""The tests of ``tests/test_tfserving.py`` that use the server under test."""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", metavar="DIR", help="write the contract's models and models.config to DIR, then stop")
    parser.add_argument("--base-path", default="/models",
                        help="where the server sees DIR, written into models.config (default /models)")
    parser.add_argument("--url", help="the REST URL of the server under test (default: the in-repo server)")
    parser.add_argument("--models", metavar="DIR", help="the directory --write wrote, which the server serves")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.write:
        if os.path.exists(args.write) and os.listdir(args.write):
            parser.error(f"{args.write} is not empty")
        # the tests' own model writer (tests/ is no package): run its file, take the function
        write_served_models = runpy.run_path(os.path.join(TESTS, "onnx_models.py"))["write_served_models"]
        config = write_served_models(args.write, args.base_path)
        print(f"wrote {config}; serve it with\n  docker run --rm -p 8501:8501 -v {os.path.abspath(args.write)}:"
              f"{args.base_path} tensorflow/serving --model_config_file={args.base_path}/models.config "
              "--allow_version_labels_for_unavailable_models=true")
        return 0
    if bool(args.url) != bool(args.models):
        parser.error("--url and --models go together (the models --write wrote and the server serves)")
    if args.url:
        os.environ["TF_SERVING_URL"], os.environ["TF_SERVING_MODELS"] = args.url, os.path.abspath(args.models)
    import pytest

    return pytest.main([os.path.join(TESTS, "test_tfserving.py"), "-q", "-k", SELECTION, "--rootdir", ROOT])


if __name__ == "__main__":
    sys.exit(main())
