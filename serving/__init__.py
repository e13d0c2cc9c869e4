"""The TensorFlow-free core that ``l2e`` builds on and ships: numpy (+ onnxruntime) only; it never
imports tensorflow or keras.

- Numbers: :mod:`serving.numbers` (8-bit codes, the special tokens, wide numbers built from them).
- Engines: :mod:`serving.engine` (the interface every algorithm calls), :mod:`serving.oracle`
  (exact, and the recorder of training traces), :mod:`serving.onnx_engine` over
  :mod:`serving.onnx_model`, :mod:`serving.tfserving` (REST, and gRPC in
  :mod:`serving.tfserving_grpc`), :mod:`serving.wide` (wide numbers through 8-bit calls);
  :mod:`serving.model` (an exported model's names and metadata) and :mod:`serving.tensor_types`.
- :mod:`serving.algorithms`: selection sort, merge sort, Dijkstra, Prim, Bellman-Ford,
  Floyd-Warshall and Kruskal, written once as loops of subroutine calls.
- Learning to Execute at inference: :mod:`serving.interpreter` (the exact interpreter of the
  program language), :mod:`serving.executor` and :mod:`serving.executor_tasks`.
- The command line ``l2e-compose`` (``python -m serving``): :mod:`serving.cli`,
  :mod:`serving.compose`, :mod:`serving.execute_command`, :mod:`serving.parse`,
  :mod:`serving.commandline`. Shipped models: ``serving/models/``.
"""
