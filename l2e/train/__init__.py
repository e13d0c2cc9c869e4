"""The training core both papers share.

- :mod:`l2e.train.experiment`: the ``Experiment`` interface the loop drives, and the ``Preset``
  shape of every paper's presets.
- :mod:`l2e.train.loop`: the loop (budgets, checks, metrics, TensorBoard, progress, resume).
- :mod:`l2e.train.checkpoints`: TF checkpoints plus JSON/array side state, resumable after kill -9.
- :mod:`l2e.train.distribute`: MirroredStrategy / MultiWorkerMirroredStrategy, per-replica rows,
  gradient clipping at a global norm across replicas.
"""
