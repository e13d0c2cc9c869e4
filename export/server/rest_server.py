"""TF Serving's REST API over a ``ModelStore`` (``export.server.servables``), served by ``http.server``.

``RestApi`` maps (method, path, body) to (HTTP status, JSON object), following TF Serving's
paths, JSON and status codes (see ``export.server`` for the endpoints); ``ModelServer``
runs it on a ``ThreadingHTTPServer`` (HTTP/1.1, connections kept alive) in background threads,
polls the models' base paths for new versions and, if asked, its ``models.config`` for changes.
"""

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from export.server.json_tensors import parse_body, request_inputs, response_body, signature_name
from export.server.model_config import read_model_config_file
from export.server.servables import ModelStore, NotFound, RequestError
from serving.model import first_line

PREDICT_PATH = re.compile(r"/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)",
                          re.IGNORECASE)
STATUS_PATH = re.compile(r"/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?",
                         re.IGNORECASE)
"""TF Serving's REST paths (``http_rest_api_util.cc``): model, version, label, method or subresource."""


class RestApi:
    """TF Serving's REST API over a ``ModelStore``: (method, path, body) -> (HTTP status, JSON object).

    Args:
        store: the served models (``export.server.servables.ModelStore``).
    """

    def __init__(self, store):
        self.store = store

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict]:
        try:
            return 200, self._route(method, urlsplit(path).path, body)
        except RequestError as error:
            return error.status, {"error": str(error)}
        except Exception as error:  # a bug or an unforeseen TensorFlow error: answer it, keep serving
            print(f"internal error on {method} {path}: {type(error).__name__}: {first_line(error)}", file=sys.stderr,
                  flush=True)
            return 500, {"error": f"Internal error: {first_line(error)}"}

    def _route(self, method: str, path: str, body: bytes) -> dict:
        if not path.lower().startswith("/v1/"):
            raise NotFound(f"Not found: {method} {path} (the REST API is under /v1/models)")
        match = method == "POST" and PREDICT_PATH.fullmatch(path) or method == "GET" and STATUS_PATH.fullmatch(path)
        if not match:
            raise RequestError(f"Malformed request: {method} {path}")
        name, version, label, action = match.groups()
        if not name:
            raise RequestError("Missing model name in request.")
        name, label = unquote(name), None if label is None else unquote(label)
        version = None if version is None else int(version)
        if method == "GET":
            return self._metadata(name, version, label) if action else {
                "model_version_status": self.store.status(name, version, label)}
        if action.lower() != "predict":
            raise RequestError(f"{action} is not served here, only predict")
        return self._predict(name, version, label, body)

    def _metadata(self, name: str, version: int | None, label: str | None) -> dict:
        servable = self.store.servable(name, version, label)
        return {"model_spec": {"name": name, "signature_name": "", "version": str(servable.version)},
                "metadata": {"signature_def": {"signature_def": servable.signature_defs}}}

    def _predict(self, name: str, version: int | None, label: str | None, body: bytes) -> dict:
        document = parse_body(body)
        signature_key = signature_name(document)
        signature = self.store.servable(name, version, label).signature(signature_key)
        specs = signature.input_dtypes()
        if not specs:
            raise RequestError(f"Failed to get input map for signature: {signature_key or 'DEFAULT'}")
        fmt, inputs = request_inputs(document, specs)
        return response_body(signature(inputs), fmt)


class _Handler(BaseHTTPRequestHandler):
    """One HTTP/1.1 connection (kept alive between requests); ``server.api`` answers."""

    protocol_version = "HTTP/1.1"
    server_version = "l2e-model-server"
    disable_nagle_algorithm = True  # headers and body are two writes: without this, delayed ACKs add 40 ms

    def _answer(self, body: bytes) -> None:
        status, answer = self.server.api.handle(self.command, self.path, body)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):  # noqa: N802 (the http.server naming)
        self._answer(b"")

    def do_POST(self):  # noqa: N802
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit():
            self.send_error(411, "a POST needs a Content-Length")
            return
        self._answer(self.rfile.read(int(length)))

    def log_message(self, format, *args):  # noqa: A002 (the http.server signature)
        if self.server.verbose:
            super().log_message(format, *args)


class ModelServer:
    """The REST server over the models of ``configs``, in a background thread.

    Args:
        configs: the models (``export.server.model_config.ModelConfig``).
        host, port: where to listen; port 0 picks a free one (see ``url``).
        poll_seconds: how often to look for new versions; 0 = only at ``start``.
        verbose: log every request on stderr.
        log: where load messages go.
        config_file: the ``models.config`` that ``configs`` came from, read again every
            ``config_poll_seconds`` (0 = never): models added to it are loaded, removed ones
            unloaded, changed ones follow their new entry. A file that cannot be read or parsed
            is logged once and the models stay as they are.
    """

    def __init__(self, configs, host: str = "127.0.0.1", port: int = 8501, poll_seconds: float = 1.0,
                 verbose: bool = False, log=sys.stderr, config_file: str | None = None,
                 config_poll_seconds: float = 0.0):
        self.store = ModelStore(configs, log)
        self.host, self.port, self.poll_seconds, self.verbose = host, port, poll_seconds, verbose
        self.config_file, self.config_poll_seconds = config_file, config_poll_seconds
        self._http: ThreadingHTTPServer | None = None
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "ModelServer":
        """Load the models, then listen; OSError if the port cannot be had."""
        self.store.poll()
        self._http = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._http.daemon_threads = True
        self._http.api, self._http.verbose = RestApi(self.store), self.verbose
        self._threads = [threading.Thread(target=self._http.serve_forever, name="rest", daemon=True)]
        if self.poll_seconds > 0:
            self._threads.append(threading.Thread(target=self._poll, name="poll", daemon=True))
        if self.config_file is not None and self.config_poll_seconds > 0:
            self._threads.append(threading.Thread(target=self._poll_config, name="config", daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def _poll(self) -> None:
        while not self._stopped.wait(self.poll_seconds):
            self.store.poll()

    def _poll_config(self) -> None:
        problem = None
        while not self._stopped.wait(self.config_poll_seconds):
            try:
                configs = read_model_config_file(self.config_file)
            except ValueError as error:
                if str(error) != problem:
                    print(f"keeping the models as they are: {error}", file=self.store.log, flush=True)
                problem = str(error)
                continue
            problem = None
            if {config.name: config for config in configs} != self.store.configs:
                print(f"{self.config_file} changed: serving {', '.join(sorted(c.name for c in configs))}",
                      file=self.store.log, flush=True)
                self.store.reconfigure(configs)

    def stop(self) -> None:
        """Stop listening and polling."""
        self._stopped.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> "ModelServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
