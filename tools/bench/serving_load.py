"""Load test of a TF Serving REST endpoint: C concurrent clients x R predict requests each.

    python tools/bench/serving_load.py                       # in-repo server, untrained paper-size find_min
    python tools/bench/serving_load.py --models models       # in-repo server on an l2e-export models directory
    python tools/bench/serving_load.py --url http://localhost:8501   # a running server (e.g. tensorflow/serving)

Without ``--url`` the in-repo server (``python -m export.server``) is started on a free
loopback port as a separate process, on ``--models`` or, by default, on an untrained find_min
NEE model of the paper's size exported into a temporary directory. Each client is a thread
with its own kept-alive connection (``serving.tfserving.RestTransport``, the client the TF
Serving engine uses) sending columnar predict requests of one find_min step on B rows of N
random numbers (a selection-sort step); the clock starts once every client has sent a few
warm-up requests. Reported: requests per second over the timed requests, latency percentiles,
and the number of failed requests (exit code 1 if any).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from serving.model import ModelError
from serving.model import SIGNATURE
from serving.numbers import to_bits
from serving.tfserving import RestTransport

WARMUP = 5
"""Requests each client sends before its timed ones."""


def start_server(config: str) -> tuple[subprocess.Popen, str]:
    """The in-repo model server on ``config``, listening on a free loopback port: (process, URL)."""
    process = subprocess.Popen([sys.executable, "-m", "export.server", "--model_config_file", config,
                                "--rest_api_port", "0", "--file_system_poll_wait_seconds", "0"],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("serving "):
        process.kill()
        raise SystemExit(f"serving_load: the model server did not start (exit code {process.wait()})")
    return process, line.split()[-1]


def export_untrained(root: str) -> str:
    """An untrained paper-size find_min exported into ``root``; returns its models.config."""
    from export.pipeline import export_run
    from l2e.nee.untrained import save_untrained_runs

    result = export_run(save_untrained_runs(root, ("find_min",))[0], os.path.join(root, "models"), parity_rows=100)
    return result["models_config"]


def client(url: str, model: str, feed: dict, requests: int, start: threading.Barrier, latencies: list,
           errors: list) -> None:
    """Send ``WARMUP`` predict requests, wait for every client at ``start``, then send ``requests``
    timed ones; append each latency (s) or error."""
    transport = RestTransport(url)
    for index in range(-WARMUP, requests):
        if index == 0:
            start.wait()
        began = time.perf_counter()
        try:
            transport.predict(model, SIGNATURE, feed)
        except ModelError as error:
            if index >= 0:
                errors.append(str(error))
            continue
        if index >= 0:
            latencies.append(time.perf_counter() - began)
    transport.close()


def run_load(url: str, model: str, clients: int, requests: int, batch: int, size: int, seed: int = 0) -> dict:
    """Run the load test; the figures as a dict (rates per second, latencies in ms)."""
    rng = np.random.default_rng(seed)
    feed = {"bits": to_bits(rng.integers(0, 256, (batch, size)), 10).astype(np.float32),
            "mask": (rng.random((batch, size)) < 0.3).astype(np.float32)}
    feed["mask"][:, 0] = 0.0
    latencies: list[float] = []
    errors: list[str] = []
    ready = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=client, args=(url, model, feed, requests, ready, latencies, errors))
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()  # every client has warmed up: the clock starts
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    done = np.array(latencies) * 1000
    total = clients * requests
    return {"url": url, "model": model, "clients": clients, "requests_per_client": requests, "batch": batch,
            "size": size, "requests": total, "errors": len(errors), "first_error": errors[0] if errors else None,
            "seconds": round(seconds, 3), "requests_per_second": round(total / seconds, 1),
            "rows_per_second": round(total * batch / seconds, 1),
            **{f"p{q}_ms": round(float(np.percentile(done, q)), 2) if done.size else None for q in (50, 90, 99)},
            "max_ms": round(float(done.max()), 2) if done.size else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server's REST URL (default: start the in-repo server on loopback)")
    parser.add_argument("--models", metavar="DIR", help="models directory with models.config for the in-repo "
                        "server (default: an untrained paper-size find_min, exported for the run)")
    parser.add_argument("--export", metavar="DIR", help="export the default untrained model into DIR and keep it "
                        "(later runs: --models DIR/models); default: a temporary directory")
    parser.add_argument("--model", default="find_min", help="the model to ask (a find_min step model; default find_min)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per client (default 200)")
    parser.add_argument("--batch", type=int, default=8, help="rows B per request (default 8)")
    parser.add_argument("--size", type=int, default=25, help="numbers N per row (default 25)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if min(args.clients, args.requests, args.batch, args.size) < 1:
        parser.error("--clients, --requests, --batch and --size must be at least 1")
    if args.url and args.models:
        parser.error("--models is for the in-repo server; a --url server has its own")
    if args.export and (args.url or args.models):
        parser.error("--export is for the default model, without --url or --models")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory() as root:
        process = None
        url = args.url
        if url is None:
            config = (os.path.join(args.models, "models.config") if args.models else
                      export_untrained(args.export or root))
            process, url = start_server(config)
        try:
            figures = run_load(url, args.model, args.clients, args.requests, args.batch, args.size)
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['clients']} clients x {figures['requests_per_client']} predict requests ({args.model}, "
              f"B={args.batch}, N={args.size}) against {url}\n"
              f"{figures['requests_per_second']} requests/s ({figures['rows_per_second']} rows/s) over "
              f"{figures['seconds']} s; latency p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, "
              f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms; errors: {figures['errors']}"
              + (f" (first: {figures['first_error']})" if figures["errors"] else ""))
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
