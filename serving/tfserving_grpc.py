"""TF Serving's gRPC API (``grpc://HOST:8500``) for ``serving.tfserving``: the same two calls as
the REST transport, ``signatures`` (GetModelMetadata) and ``predict`` (Predict).

Needs the tensorflow-serving-api package (``pip install 'l2e[grpc]'``), imported only when a
``grpc://`` URL is used; that package depends on TensorFlow, so this path loads it (the REST
path never does). Tensors travel as ``TensorProto``: numbers as ``tensor_content`` bytes,
strings as ``string_val``.
"""

import importlib

import numpy as np

from serving.model import ModelError
from serving.tensor_types import BY_CODE, CODE_OF

VALUE_FIELDS = {np.dtype(np.float32): "float_val", np.dtype(np.float64): "double_val", np.dtype(np.int32): "int_val",
                np.dtype(np.uint8): "int_val", np.dtype(np.int16): "int_val", np.dtype(np.int8): "int_val",
                np.dtype(np.int64): "int64_val", np.dtype(np.bool_): "bool_val", np.dtype(np.uint16): "int_val",
                np.dtype(np.float16): "half_val", np.dtype(np.uint32): "uint32_val", np.dtype(np.uint64): "uint64_val"}
"""numpy dtype -> the ``TensorProto`` field that holds its values when ``tensor_content`` is empty."""


def _apis():
    """The tensorflow-serving-api modules and grpc; ModelError saying how to get them."""
    try:
        grpc = importlib.import_module("grpc")
        names = ("predict_pb2", "get_model_metadata_pb2", "prediction_service_pb2_grpc")
        return grpc, *(importlib.import_module(f"tensorflow_serving.apis.{name}") for name in names)
    except ImportError:
        raise ModelError("tfserving: grpc:// URLs need the tensorflow-serving-api package (pip install "
                         "'l2e[grpc]'); or use the REST API, http://HOST:8501") from None


def to_proto(array: np.ndarray, proto) -> None:
    """Fill the ``TensorProto`` ``proto`` with ``array``."""
    array = np.asarray(array)
    if array.dtype == object or array.dtype.kind in "SU":
        proto.dtype = 7
        proto.string_val.extend(item if isinstance(item, bytes) else str(item).encode() for item in array.ravel())
    else:
        if array.dtype not in CODE_OF:
            raise ModelError(f"tfserving: cannot send a {array.dtype} tensor")
        proto.dtype = CODE_OF[array.dtype]
        proto.tensor_content = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    for size in array.shape:
        proto.tensor_shape.dim.add().size = size


def from_proto(proto) -> np.ndarray:
    """The array a ``TensorProto`` holds."""
    shape = [dim.size for dim in proto.tensor_shape.dim]
    dtype = BY_CODE.get(proto.dtype)
    if dtype is None:
        raise ModelError(f"tfserving: the server answered a tensor of DataType {proto.dtype}, not readable here")
    if dtype is object:
        return np.array(list(proto.string_val), dtype=object).reshape(shape)
    dtype = np.dtype(dtype)
    if proto.tensor_content:
        return np.frombuffer(proto.tensor_content, dtype.newbyteorder("<")).astype(dtype).reshape(shape)
    values = np.array(getattr(proto, VALUE_FIELDS[dtype]))
    if dtype == np.float16:
        values = values.astype(np.uint16).view(np.float16)
    size = int(np.prod(shape))
    if values.size not in (0, size):  # TensorFlow repeats the last value to fill the tensor
        values = np.concatenate([values, np.repeat(values[-1:], size - values.size)])
    return (values.astype(dtype) if values.size else np.zeros(size, dtype)).reshape(shape)


class GrpcTransport:
    """TF Serving's PredictionService over one gRPC channel.

    Args:
        target: ``HOST:PORT``.
        timeout: seconds to wait for an answer.
    """

    def __init__(self, target: str, timeout: float):
        self.grpc, self.predict_pb2, self.metadata_pb2, service = _apis()
        self.url, self.timeout = f"grpc://{target}", timeout
        unlimited = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
        self.stub = service.PredictionServiceStub(self.grpc.insecure_channel(target, options=unlimited))

    def _call(self, method: str, request, name: str):
        try:
            return getattr(self.stub, method)(request, timeout=self.timeout)
        except self.grpc.RpcError as error:
            code = error.code().name if hasattr(error, "code") else "ERROR"
            details = error.details() if hasattr(error, "details") else str(error)
            raise ModelError(f"tfserving: {method} {name} at {self.url}: {code}: {details}") from None

    def signatures(self, name: str) -> dict[str, dict[str, np.dtype]]:
        """Signature name -> output name -> numpy dtype (GetModelMetadata, ``signature_def``)."""
        request = self.metadata_pb2.GetModelMetadataRequest()
        request.model_spec.name = name
        request.metadata_field.append("signature_def")
        response = self._call("GetModelMetadata", request, name)
        defs = self.metadata_pb2.SignatureDefMap()
        if not response.metadata["signature_def"].Unpack(defs):
            raise ModelError(f"tfserving: the metadata of model {name} has no signature_def")
        return {key: {output: np.dtype(BY_CODE.get(info.dtype, object)) for output, info in sig.outputs.items()}
                for key, sig in defs.signature_def.items()}

    def predict(self, name: str, signature: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The outputs (name -> array) of one Predict call."""
        request = self.predict_pb2.PredictRequest()
        request.model_spec.name = name
        request.model_spec.signature_name = signature
        for key, value in inputs.items():
            to_proto(value, request.inputs[key])
        response = self._call("Predict", request, name)
        return {key: from_proto(proto) for key, proto in response.outputs.items()}
