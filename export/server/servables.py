"""The model server's models: SavedModel versions loaded with TensorFlow, kept by version policy.

A ``ModelStore`` watches the base path of every model of a ``models.config``
(``export.server.model_config``): each ``poll`` loads the versions the model's policy asks for that
are not loaded yet and unloads the others, as TF Serving's file-system source does;
``reconfigure`` switches to the models of a new config, as TF Serving does when it re-reads its
config file. Requests find a ``Servable`` by model name and version, version label, or nothing
(the latest one).
"""

import os
import sys
import threading
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from tensorflow.core.protobuf import saved_model_pb2

from export.server.model_config import ModelConfig
from serving.model import SAVED_MODEL_FILE, SIGNATURE, first_line, versions
from serving.tensor_types import BY_CODE


class RequestError(Exception):
    """A request the server refuses: ``status`` is the HTTP status (400 unless a subclass says)."""

    status = 400


class NotFound(RequestError):
    """An unknown model or version (HTTP 404)."""

    status = 404


@dataclass(frozen=True)
class Signature:
    """One callable signature of a SavedModel.

    Attributes:
        function: the concrete function; keyword arguments by input name, returns a dict.
        inputs: input name -> its ``tf.TensorSpec``.
    """

    function: object
    inputs: dict[str, tf.TensorSpec]

    def input_dtypes(self) -> dict[str, tuple[np.dtype, str]]:
        """Input name -> (numpy dtype, TensorFlow dtype name) for ``export.server.json_tensors``."""
        specs = {}
        for name, spec in self.inputs.items():
            if spec.dtype.as_datatype_enum not in BY_CODE:
                raise RequestError(f"input {name}: dtype {spec.dtype.name} cannot be written in JSON here")
            specs[name] = (np.dtype(BY_CODE[spec.dtype.as_datatype_enum]), spec.dtype.name)
        return specs

    def __call__(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The outputs (name -> array) for the inputs (name -> array); RequestError if they do
        not fit the signature or TensorFlow refuses them."""
        feed = {}
        for name, array in arrays.items():
            spec = self.inputs[name]
            if not spec.shape.is_compatible_with(array.shape):
                raise RequestError(f"input {name}: shape {list(array.shape)} does not fit the signature's "
                                   f"{spec.shape.as_list()} (None = any size)")
            feed[name] = tf.constant(array.tolist() if array.dtype == object else array, spec.dtype)
        try:
            outputs = self.function(**feed)
        except tf.errors.OpError as error:
            raise _op_error(error) from None
        return {name: tensor.numpy() for name, tensor in outputs.items()}


HTTP_STATUS = {tf.errors.INVALID_ARGUMENT: 400, tf.errors.FAILED_PRECONDITION: 400, tf.errors.OUT_OF_RANGE: 400,
               tf.errors.NOT_FOUND: 404, tf.errors.RESOURCE_EXHAUSTED: 429, tf.errors.UNIMPLEMENTED: 501,
               tf.errors.UNAVAILABLE: 503, tf.errors.DEADLINE_EXCEEDED: 504}
"""TensorFlow error codes -> HTTP statuses, TF Serving's mapping (any other code: 500)."""


def _op_error(error: tf.errors.OpError) -> RequestError:
    refused = RequestError(first_line(error.message) if error.message.strip() else type(error).__name__)
    refused.status = HTTP_STATUS.get(error.error_code, 500)
    return refused


@dataclass(frozen=True)
class Servable:
    """One loaded version of a model.

    Attributes:
        name: the model's name.
        version: the version number.
        signatures: signature name -> ``Signature``.
        signature_defs: the SavedModel's signature defs as TF Serving writes them in JSON.
    """

    name: str
    version: int
    signatures: dict[str, Signature]
    signature_defs: dict

    @classmethod
    def load(cls, name: str, version: int, path: str) -> "Servable":
        """The SavedModel at ``path``; OSError or ValueError if it cannot be loaded."""
        with open(os.path.join(path, SAVED_MODEL_FILE), "rb") as f:
            proto = saved_model_pb2.SavedModel.FromString(f.read())
        defs = proto.meta_graphs[0].signature_def if proto.meta_graphs else {}
        signature_defs = {key: json_format.MessageToDict(value, always_print_fields_with_no_presence=True,
                                                         preserving_proto_field_name=True)
                          for key, value in defs.items()}
        loaded = tf.saved_model.load(path)
        signatures = {key: Signature(function, dict(function.structured_input_signature[1]))
                      for key, function in loaded.signatures.items()}
        return cls(name, version, signatures, signature_defs)

    def signature(self, name: str) -> Signature:
        """The signature ``name`` ("" = ``serving_default``); RequestError if there is none."""
        name = name or SIGNATURE
        if name not in self.signatures:
            raise RequestError(f'Serving signature name: "{name}" not found in signature def')
        return self.signatures[name]


@dataclass
class VersionState:
    """What became of one version: ``servable`` while it is loaded (state AVAILABLE); None
    with state END after it was unloaded or failed to load (``error`` says why)."""

    state: str
    servable: Servable | None = None
    error: str = ""


class ModelStore:
    """The models of a config and their loaded versions; safe to use from many threads.

    Args:
        configs: the models to serve.
        log: where load and unload messages go.
    """

    def __init__(self, configs: list[ModelConfig], log=sys.stderr):
        self.configs = {config.name: config for config in configs}
        self.log = log
        self._states: dict[str, dict[int, VersionState]] = {}
        self._sources: dict[str, str] = {}
        """Model name -> the base path its states were loaded from."""
        self._lock = threading.Lock()
        self._update = threading.Lock()
        """Held by ``poll`` and ``reconfigure`` throughout: one change of the models at a time."""

    def poll(self) -> None:
        """Load the versions each policy serves that were not tried yet; then unload the others,
        unless none of the served ones loaded (a version that fails to load is not tried again).
        A model that is new, or whose base path changed, starts afresh from its base path."""
        with self._update:
            for name, config in self.configs.items():
                fresh = self._sources.get(name) != config.base_path
                with self._lock:
                    replaced = self._states.get(name, {}) if fresh else {}
                    states = {} if fresh else dict(self._states[name])
                wanted = set(config.served(versions(config.base_path, SAVED_MODEL_FILE)))
                for version in sorted(wanted - set(states)):
                    states[version] = self._load(name, version, os.path.join(config.base_path, str(version)))
                if any(states[version].state == "AVAILABLE" for version in wanted):  # never leave a model without one
                    for version, state in states.items():
                        if version not in wanted and state.state == "AVAILABLE":
                            states[version] = VersionState("END")
                            self._unloaded(name, version)
                with self._lock:
                    self._states[name] = states
                    self._sources[name] = config.base_path
                for version, state in replaced.items():
                    if state.state == "AVAILABLE":
                        self._unloaded(name, version)

    def reconfigure(self, configs: list[ModelConfig]) -> None:
        """Serve the models of ``configs`` from now on. A model no longer listed is unloaded (its
        status stays, its versions END); then ``poll`` loads the new ones, and a changed policy,
        base path or label takes effect."""
        with self._update:
            configs = {config.name: config for config in configs}
            for name in sorted(set(self.configs) - set(configs)):
                with self._lock:
                    states = self._states.get(name, {})
                    self._states[name] = {version: VersionState("END", error=state.error)
                                          for version, state in states.items()}
                    self._sources.pop(name, None)
                for version, state in sorted(states.items()):
                    if state.state == "AVAILABLE":
                        self._unloaded(name, version)
            for name in sorted(set(configs) - set(self.configs)):
                if not os.path.isdir(configs[name].base_path):
                    print(f"model {name}: base path {configs[name].base_path} is not a directory (yet)",
                          file=self.log, flush=True)
            self.configs = configs
        self.poll()

    def _unloaded(self, name: str, version: int) -> None:
        print(f"unloaded {name} version {version}", file=self.log, flush=True)

    def _load(self, name: str, version: int, path: str) -> VersionState:
        try:
            servable = Servable.load(name, version, path)
        except Exception as error:  # a damaged SavedModel raises many types; the server keeps serving
            print(f"cannot load {name} version {version} from {path}: {first_line(error)}", file=self.log, flush=True)
            return VersionState("END", error=first_line(error))
        print(f"loaded {name} version {version} from {path}", file=self.log, flush=True)
        return VersionState("AVAILABLE", servable)

    def _version(self, name: str, version: int | None, label: str | None) -> int | None:
        """The version a request names, by number or label; None for the latest."""
        if label is None:
            return version
        labels = self.configs[name].labels if name in self.configs else {}
        if label not in labels:
            raise RequestError(f"Unrecognized servable version label: {label}")
        return labels[label]

    def servable(self, name: str, version: int | None = None, label: str | None = None) -> Servable:
        """The loaded version a request asks for (the highest one if neither ``version`` nor
        ``label``); NotFound if it is not loaded, RequestError for an unknown label."""
        version = self._version(name, version, label)
        with self._lock:
            available = {v: s.servable for v, s in self._states.get(name, {}).items() if s.servable is not None}
        if version is None and available:
            return available[max(available)]
        if version in available:
            return available[version]
        spec = f"Latest({name})" if version is None else f"Specific({name}, {version})"
        raise NotFound(f"Servable not found for request: {spec}")

    def status(self, name: str, version: int | None = None, label: str | None = None) -> list[dict]:
        """TF Serving's ``model_version_status`` entries of a model (newest first), or of one
        version; NotFound if the server knows none."""
        version = self._version(name, version, label)
        with self._lock:
            states = dict(self._states.get(name, {}))
        if version is not None:
            if version not in states:
                raise NotFound(f"Could not find version {version} of model {name}")
            states = {version: states[version]}
        if not states:
            raise NotFound(f"Could not find any versions of model {name}")
        return [{"version": str(v), "state": states[v].state,
                 "status": {"error_code": "UNKNOWN" if states[v].error else "OK", "error_message": states[v].error}}
                for v in sorted(states, reverse=True)]
