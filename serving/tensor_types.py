"""TensorFlow's tensor types as TF Serving names them, and the numpy dtype of each: one table for
the REST client (type names), the gRPC client and the model server (``DataType`` enum values).

Strings are numpy object arrays (of bytes or str).
"""

import numpy as np

TENSOR_TYPES = (
    (1, "DT_FLOAT", np.float32), (2, "DT_DOUBLE", np.float64), (3, "DT_INT32", np.int32), (4, "DT_UINT8", np.uint8),
    (5, "DT_INT16", np.int16), (6, "DT_INT8", np.int8), (7, "DT_STRING", object), (9, "DT_INT64", np.int64),
    (10, "DT_BOOL", np.bool_), (17, "DT_UINT16", np.uint16), (19, "DT_HALF", np.float16),
    (22, "DT_UINT32", np.uint32), (23, "DT_UINT64", np.uint64),
)
"""(``DataType`` enum value, its name, numpy dtype) for every type a signature of ours may use."""

BY_NAME = {name: dtype for _, name, dtype in TENSOR_TYPES}
"""``DT_FLOAT`` ... (as signature defs in JSON write them) -> numpy dtype."""

BY_CODE = {code: dtype for code, _, dtype in TENSOR_TYPES}
"""``DataType`` enum value (as protos and ``tf.DType.as_datatype_enum`` give it) -> numpy dtype."""

CODE_OF = {np.dtype(dtype): code for code, _, dtype in TENSOR_TYPES if dtype is not object}
"""numpy dtype -> ``DataType`` enum value (strings excepted)."""
