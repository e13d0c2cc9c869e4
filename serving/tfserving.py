"""The TF Serving engine: the compositions against a model server instead of local onnxruntime.

    l2e-compose sort 5 3 9 --engine tfserving --url http://localhost:8501
    l2e-compose execute 'print(1+2)' --engine tfserving --url grpc://localhost:8500

A server (``tensorflow/serving`` with the ``models.config`` of an ``l2e-export`` models
directory, or ``export.server``) holds the models under the names the export gives them
(``find_min``, ``merge_step``, ``add``, ``mul``, ``lte-programs``); the latest version answers.
Opening a model reads its signatures (the metadata endpoint) and its l2e metadata (the
``l2e_metadata`` signature, see ``serving.model``), and checks the metadata as the onnxruntime
path does. Every run of a model is then one predict request with the whole batch:
``{"inputs": {name: nested list}}`` (columnar), answered by ``{"outputs": ...}``, which is cast
back to the signature's dtypes.

REST (``http://`` and ``https://`` URLs) needs only the standard library and numpy; gRPC
(``grpc://HOST:PORT``, ``serving.tfserving_grpc``) needs the tensorflow-serving-api package and
imports it only then. A client keeps one connection; use one per thread.
"""

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np

from serving.engine import ARITHMETIC_SUBROUTINES, STEP_SUBROUTINES, StepModelEngine
from serving.model import METADATA_KEYS, METADATA_SIGNATURE, SIGNATURE, ModelError, check_metadata, first_line
from serving.tensor_types import BY_NAME

DEFAULT_URL = "http://localhost:8501"
TIMEOUT = 60.0
"""Seconds to wait for an answer."""


def _json_value(array: np.ndarray):
    """Nested lists of ``array`` for a JSON request; bytes and strings as text."""
    if array.dtype == object or array.dtype.kind in "SU":
        return np.vectorize(lambda item: item.decode() if isinstance(item, bytes) else str(item),
                            otypes=[object])(array).tolist()
    return array.tolist()


class RestTransport:
    """TF Serving's REST API over one kept-alive HTTP/1.1 connection.

    Args:
        url: ``http://HOST:PORT`` (or https), optionally with a path prefix.
        timeout: seconds to wait for an answer.
    """

    def __init__(self, url: str, timeout: float = TIMEOUT):
        parts = urlsplit(url)
        self.url, self.timeout = url.rstrip("/"), timeout
        self._connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._netloc, self._prefix = parts.netloc, parts.path.rstrip("/")
        self._connection = None
        self._signatures: dict[str, dict[str, dict[str, np.dtype]]] = {}

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _exchange(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        """(HTTP status, body) of one request; a kept-alive connection the server has closed
        meanwhile is opened again once."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):
            reused = self._connection is not None
            if not reused:
                self._connection = self._connection_class(self._netloc, timeout=self.timeout)
            try:
                self._connection.request(method, self._prefix + path, body=body, headers=headers)
                response = self._connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                self.close()
                if not reused or attempt == 2:
                    raise ModelError(f"tfserving: {self.url} closed the connection: {first_line(error)}") from None
            except (OSError, http.client.HTTPException) as error:
                self.close()
                raise ModelError(f"tfserving: cannot reach {self.url}: {first_line(error)} "
                                 "(is the model server running, and is this its REST port?)") from None
        raise AssertionError("unreachable")

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        """The JSON object answering ``method path``; ModelError for no answer, an answer that
        is not JSON, or an error answer (its ``error`` message)."""
        status, payload = self._exchange(method, path, None if body is None else json.dumps(body).encode())
        try:
            answer = json.loads(payload)
        except ValueError:
            raise ModelError(f"tfserving: {method} {self.url}{path} answered HTTP {status} with no JSON "
                             f"({payload[:80]!r}); is {self.url} a TF Serving REST port?") from None
        if status != 200:
            message = answer.get("error") if isinstance(answer, dict) else None
            raise ModelError(f"tfserving: {method} {path}: HTTP {status}: {message or repr(payload[:200])}")
        if not isinstance(answer, dict):
            raise ModelError(f"tfserving: {method} {path}: the answer is not a JSON object")
        return answer

    def signatures(self, name: str) -> dict[str, dict[str, np.dtype]]:
        """Signature name -> output name -> numpy dtype, of the latest version of model ``name``."""
        if name not in self._signatures:
            answer = self.request("GET", f"/v1/models/{name}/metadata")
            try:
                defs = answer["metadata"]["signature_def"]["signature_def"]
                self._signatures[name] = {
                    key: {output: np.dtype(BY_NAME.get(info.get("dtype"), object))
                          for output, info in signature.get("outputs", {}).items()}
                    for key, signature in defs.items()}
            except (KeyError, TypeError, AttributeError):
                raise ModelError(f"tfserving: the metadata of model {name} has no signature_def") from None
        return self._signatures[name]

    def predict(self, name: str, signature: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The outputs (name -> array of the signature's dtype) of one columnar predict request."""
        dtypes = self.signatures(name).get(signature)
        if dtypes is None:
            raise ModelError(f"tfserving: model {name} has no signature {signature}")
        body = {"signature_name": signature, "inputs": {key: _json_value(np.asarray(value))
                                                         for key, value in inputs.items()}}
        outputs = self.request("POST", f"/v1/models/{name}:predict", body).get("outputs")
        if len(dtypes) == 1:
            outputs = {next(iter(dtypes)): outputs}
        if not isinstance(outputs, dict) or set(outputs) != set(dtypes):
            raise ModelError(f"tfserving: model {name} answered without the outputs {', '.join(sorted(dtypes))}")
        try:
            return {key: np.array(value, dtype=dtypes[key]) for key, value in outputs.items()}
        except (TypeError, ValueError) as error:
            raise ModelError(f"tfserving: model {name} answered outputs that are not tensors: {error}") from None


def transport(url: str, timeout: float = TIMEOUT):
    """The transport for ``url``: ``RestTransport`` for http(s), gRPC for ``grpc://HOST:PORT``;
    ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "grpc") or not parts.hostname:
        raise ValueError(f"url: expected http://HOST:PORT (REST) or grpc://HOST:PORT, got {url!r}")
    try:
        parts.port
    except ValueError:
        raise ValueError(f"url: bad port in {url!r}") from None
    if parts.query or parts.fragment:
        raise ValueError(f"url: no query or fragment, got {url!r}")
    if parts.scheme == "grpc":
        from serving.tfserving_grpc import GrpcTransport

        return GrpcTransport(parts.netloc, timeout)
    return RestTransport(url, timeout)


@dataclass(frozen=True)
class ServedModel:
    """A model a model server holds (implements ``serving.model.Model``).

    Attributes:
        transport: how requests reach the server.
        name: the model's name on the server.
        metadata: its l2e metadata.
    """

    transport: object
    name: str
    metadata: dict

    def run(self, outputs: list[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        """The named outputs of the ``serving_default`` signature for ``feed``: one request."""
        answer = self.transport.predict(self.name, SIGNATURE, feed)
        missing = [name for name in outputs if name not in answer]
        if missing:
            raise ModelError(f"tfserving: model {self.name} has no output {missing[0]}")
        return [answer[name] for name in outputs]


class TFServingClient:
    """Opens the models of the server at ``url`` (see the module docstring).

    Args:
        url: ``http://HOST:8501`` (REST) or ``grpc://HOST:8500``.
        timeout: seconds to wait for each answer.
    """

    def __init__(self, url: str = DEFAULT_URL, timeout: float = TIMEOUT):
        self.url = url
        self.transport = transport(url, timeout)

    def open_model(self, name: str, kind: str, **expected) -> ServedModel:
        """Model ``name`` of the server with its metadata, checked like ``serving.onnx_model.open_model``
        (``kind`` and ``expected`` entries); ModelError if the server lacks it or it differs."""
        if METADATA_SIGNATURE not in self.transport.signatures(name):
            raise ModelError(f"tfserving: model {name} at {self.url} has no {METADATA_SIGNATURE} signature "
                             "(exported by an older l2e-export? export the run again)")
        answer = self.transport.predict(name, METADATA_SIGNATURE, {"keys": np.array(METADATA_KEYS, dtype=object)})
        try:
            texts = [text.decode() if isinstance(text, bytes) else text for text in answer["values"].tolist()]
            metadata = {key: json.loads(text) for key, text in zip(METADATA_KEYS, texts, strict=True)}
        except (KeyError, ValueError, AttributeError, TypeError):
            raise ModelError(f"tfserving: model {name} at {self.url} answered unreadable metadata") from None
        metadata = {key: value for key, value in metadata.items() if value is not None}
        check_metadata(f"{name} at {self.url}", metadata, kind, **expected)
        return ServedModel(self.transport, name, metadata)


class TFServingEngine(StepModelEngine):
    """Executes subroutine calls with the NEE step models of a model server (implements
    ``serving.engine.Engine``): one predict request per call, over the whole batch."""

    @classmethod
    def load(cls, url: str = DEFAULT_URL, subroutines=STEP_SUBROUTINES + ARITHMETIC_SUBROUTINES,
             timeout: float = TIMEOUT) -> "TFServingEngine":
        """The engine with the models of ``subroutines`` from the server at ``url``, each by its
        subroutine's name and checked as ``serving.onnx_engine.OnnxEngine.load`` checks them."""
        return cls.open(TFServingClient(url, timeout).open_model, subroutines)
