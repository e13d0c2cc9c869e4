"""TF Serving's JSON predict format, both ways: request bodies -> input arrays, outputs -> JSON.

Requests (TF Serving's REST API, "predict"):

- row format ``{"signature_name"?: S, "instances": [...]}``: one element per batch row, an
  object of named inputs (each row's tensors of one shape) or, for a signature of one input,
  the row's value itself; rows are stacked into the batch;
- columnar format ``{"signature_name"?: S, "inputs": {name: value, ...}}`` (or the value itself
  for one input): each value is a whole tensor, batch included. Named inputs the signature
  does not have are ignored, as TF Serving ignores them.

A value is a number, a boolean, a string, ``{"b64": "..."}`` (bytes of a string tensor), or a
nested list of them, rectangular. JSON types must fit the signature's dtype exactly: numbers
for floats, integers for integers, ``true``/``false`` for booleans, strings for strings.

Responses: ``{"predictions": [...]}`` (row requests: one element per row, an object of the
outputs when there are several) or ``{"outputs": {...}}`` (columnar; the value itself for one
output). String outputs are written as text, or as ``{"b64": ...}`` when the output's name
ends with ``_bytes``. Every problem is a ``RequestError`` with TF Serving's HTTP status.
"""

import base64
import binascii
import json

import numpy as np

from export.server.servables import RequestError

ROW, COLUMNAR = "row", "columnar"
INT_RANGES = {np.dtype(dtype): (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
              for dtype in (np.int8, np.int16, np.int32, np.int64, np.uint8)}
"""Integer dtypes -> the smallest and largest integer a JSON value may hold."""
FLOAT_RANGES = {np.dtype(dtype): (1 - 2**bits, 2**bits - 1) for dtype, bits in ((np.float16, 11), (np.float32, 24),
                                                                                 (np.float64, 53))}
"""Float dtypes -> the integers they hold exactly (a larger JSON integer would lose precision)."""


def _json_type(value) -> str:
    """The JSON type name of a decoded value, as TF Serving writes it in errors."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return "Number"
    return {str: "String", list: "Array", dict: "Object"}.get(type(value), type(value).__name__)


def _text(value, limit: int = 80) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_b64(value) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def _type_error(value, dtype_name: str) -> RequestError:
    return RequestError(f"JSON Value: {_text(value)} Type: {_json_type(value)} is not of expected type: {dtype_name}")


def _leaves(value, shape: list[int], level: int, out: list) -> None:
    """Append the scalars of ``value`` (nested lists of the given ``shape`` from ``level``) to ``out``."""
    if level == len(shape):
        if isinstance(value, list):
            raise RequestError(f"Encountered list at unexpected level: {level} expected < {len(shape)}")
        out.append(value)
        return
    if not isinstance(value, list):
        raise RequestError(f"JSON Value: {_text(value)} found at incorrect level: {level + 1} in the JSON DOM. "
                           f"Expected at level: {len(shape)}")
    if len(value) != shape[level]:
        raise RequestError(f"Encountered list at unexpected size: {len(value)} at level: {level} "
                           f"expected size: {shape[level]}")
    if level == len(shape) - 1 and not any(isinstance(item, list) for item in value):
        out.extend(value)
        return
    for item in value:
        _leaves(item, shape, level + 1, out)


def _decode_string(value, dtype_name: str) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if not _is_b64(value):
        raise _type_error(value, dtype_name)
    try:
        return base64.b64decode(value["b64"], validate=True)
    except binascii.Error:
        raise RequestError(f"JSON Value: {_text(value)} not formatted correctly for base64 data") from None


def to_array(value, dtype: np.dtype, dtype_name: str) -> np.ndarray:
    """A JSON value (scalar or rectangular nested lists) as an array of ``dtype``; strings as
    an object array of bytes. ``dtype_name`` (e.g. ``float``) names it in errors."""
    shape, node = [], value
    while isinstance(node, list):
        shape.append(len(node))
        if not node:
            break
        node = node[0]
    leaves: list = []
    _leaves(value, shape, 0, leaves)
    if dtype == np.dtype(object):
        return np.array([_decode_string(leaf, dtype_name) for leaf in leaves] or [], dtype=object).reshape(shape)
    kinds = set(map(type, leaves))
    if dtype == np.bool_:
        allowed = {bool}
    elif dtype in INT_RANGES:
        allowed = {int}
    else:
        allowed = {int, float}
    if not kinds <= allowed:
        raise _type_error(next(leaf for leaf in leaves if type(leaf) not in allowed), dtype_name)
    if int in kinds:
        low, high = INT_RANGES.get(dtype) or FLOAT_RANGES[dtype]
        outside = next((leaf for leaf in leaves if type(leaf) is int and not low <= leaf <= high), None)
        if outside is not None and dtype in INT_RANGES:
            raise _type_error(outside, dtype_name)
        if outside is not None:
            raise RequestError(f"Cannot convert JSON value: {outside} to {dtype_name} without loss of precision.")
    return np.array(leaves, dtype=dtype).reshape(shape)


def parse_body(body: bytes) -> dict:
    """The request body as a JSON object; RequestError (400) if it is not one."""
    if not body.strip():
        raise RequestError("JSON Parse error: The document is empty")
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise RequestError(f"JSON Parse error: {error}") from None
    if not isinstance(document, dict):
        raise RequestError(f"JSON Value: {_text(document)} Is not object")
    return document


def signature_name(document: dict) -> str:
    """The request's ``signature_name`` ("" if absent: the default signature)."""
    name = document.get("signature_name", "")
    if not isinstance(name, str):
        raise RequestError(f"JSON Value: {_text(document)} not formatted correctly. "
                           "'signature_name' key must be a string value.")
    return name


def _row_inputs(instances: list, specs: dict[str, tuple[np.dtype, str]]) -> dict[str, np.ndarray]:
    objects = isinstance(instances[0], dict) and not _is_b64(instances[0])
    if not objects and len(specs) > 1:
        raise RequestError("instances is a plain list, but expecting list of objects as multiple input tensors "
                           "required as per tensorinfo_map")
    rows: dict[str, list[np.ndarray]] = {name: [] for name in specs}
    for index, instance in enumerate(instances):
        if objects != (isinstance(instance, dict) and not _is_b64(instance)):
            kind = "object but got list" if objects else "value/list but got object"
            raise RequestError(f"Expecting {kind} at item {index} of input list")
        named = instance if objects else {next(iter(specs)): instance}
        for name, value in named.items():
            try:
                if name not in specs:
                    raise RequestError(f"JSON object: does not have named input: {name}")
                array = to_array(value, *specs[name])
            except RequestError as error:
                raise RequestError(f"Failed to process element: {index} key: {name} of 'instances' list. "
                                   f"Error: {error}") from None
            if rows[name] and rows[name][0].shape != array.shape:
                raise RequestError(f"Expecting shape {list(rows[name][0].shape)} but got: {list(array.shape)} "
                                   f"(element {index}, input {name})")
            rows[name].append(array)
        if set(named) != set(specs):
            raise RequestError(f"Failed to process element: {index} of 'instances' list. JSON object: "
                               f"{_text(instance)} keys must be equal to: {','.join(sorted(specs))}")
    return {name: np.stack(arrays) for name, arrays in rows.items()}


def _columnar_inputs(inputs, specs: dict[str, tuple[np.dtype, str]]) -> dict[str, np.ndarray]:
    if not isinstance(inputs, dict) or _is_b64(inputs):
        if len(specs) > 1:
            raise RequestError("inputs is a plain value/list, but expecting an object as multiple input tensors "
                               "required as per tensorinfo_map")
        return {name: to_array(inputs, *spec) for name, spec in specs.items()}
    arrays = {}
    for name, spec in specs.items():
        if name not in inputs:
            raise RequestError(f"Missing named input: {name} in 'inputs' object.")
        arrays[name] = to_array(inputs[name], *spec)
    return arrays


def request_inputs(document: dict, specs: dict[str, tuple[np.dtype, str]]) -> tuple[str, dict[str, np.ndarray]]:
    """(``ROW`` or ``COLUMNAR``, input name -> array) of a predict request.

    Args:
        document: the request body (``parse_body``).
        specs: the signature's inputs: name -> (numpy dtype, dtype name for errors).
    """
    if "instances" in document and "inputs" in document:
        raise RequestError(f"JSON Value: {_text(document)} Not formatted correctly expecting only one of "
                           "'inputs' or 'instances' keys to exist ")
    if "instances" in document:
        instances = document["instances"]
        if not isinstance(instances, list):
            raise RequestError(f"JSON Value: {_text(document)} Excepting 'instances' to be an list/array")
        if not instances:
            raise RequestError(f"JSON Value: {_text(document)} No values in 'instances' array")
        return ROW, _row_inputs(instances, specs)
    if "inputs" in document:
        return COLUMNAR, _columnar_inputs(document["inputs"], specs)
    raise RequestError("Missing 'inputs' or 'instances' key")


def _jsonable(name: str, array: np.ndarray):
    """Nested lists of ``array``; bytes as text, or ``{"b64": ...}`` for a ``*_bytes`` output."""
    if array.dtype != np.dtype(object):
        return array.tolist()
    if name.endswith("_bytes"):
        items = [{"b64": base64.b64encode(item).decode("ascii")} for item in array.ravel()]
    else:
        items = [item.decode("utf-8", "replace") for item in array.ravel()]
    encoded = np.empty(array.size, dtype=object)
    encoded[:] = items
    return encoded.reshape(array.shape).tolist()


def response_body(outputs: dict[str, np.ndarray], fmt: str) -> dict:
    """The JSON object answering a ``fmt`` request with ``outputs`` (name -> array)."""
    names = sorted(outputs)
    if fmt == COLUMNAR:
        if len(names) == 1:
            return {"outputs": _jsonable(names[0], outputs[names[0]])}
        return {"outputs": {name: _jsonable(name, outputs[name]) for name in names}}
    batch = set()
    for name in names:
        if outputs[name].ndim == 0:
            raise RequestError(f"Tensor name: {name} has no shape information ")
        batch.add(len(outputs[name]))
    if len(batch) > 1:
        raise RequestError(f"Tensor name: {names[-1]} has inconsistent batch size: batch sizes {sorted(batch)}")
    values = {name: _jsonable(name, outputs[name]) for name in names}
    if len(names) == 1:
        return {"predictions": values[names[0]]}
    return {"predictions": [{name: values[name][row] for name in names} for row in range(batch.pop())]}
