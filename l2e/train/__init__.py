"""Training: distribution strategies, checkpoints, the generic loop and the experiments on it.

- :mod:`l2e.train.distribute`: MirroredStrategy / MultiWorkerMirroredStrategy, per-replica rows,
  gradient clipping at a global norm across replicas.
- :mod:`l2e.train.checkpoints`: TF checkpoints plus JSON/array side state, resumable after kill -9.
- :mod:`l2e.train.loop`: the loop shared by every experiment (budget, progress, metrics, resume).
- :mod:`l2e.train.lte`: the Learning-to-Execute experiment (stacked LSTM, curriculum, streams).
"""
