"""Neural Execution Engines (Yan et al., 2020): small transformers that learn one step of a
subroutine, composed by ``serving.algorithms`` into whole algorithms.

- :mod:`l2e.nee.config`: the experiments' settings (``NEEConfig``), presets and flags (no TensorFlow).
- Layers: :mod:`l2e.nee.embedding` (bitwise number embedding), :mod:`l2e.nee.attention` (masked
  attention), :mod:`l2e.nee.norm`, :mod:`l2e.nee.blocks` (encoder and decoder blocks),
  :mod:`l2e.nee.mask_update` (the convolutional mask update).
- :mod:`l2e.nee.model`: the step model and its inference variant; :mod:`l2e.nee.losses`, its
  losses and accuracies.
- :mod:`l2e.nee.data`: lists and graphs for training and testing, and the training arrays of
  recorded traces; :mod:`l2e.nee.traces`, the resumable stream of training batches.
- :mod:`l2e.nee.experiment`: the experiment the shared loop (:mod:`l2e.train`) trains.
- :mod:`l2e.nee.keras_engine`: trained models as a ``serving.engine.Engine``;
  :mod:`l2e.nee.evaluation`, the algorithms on an engine against the oracle (Tables 1 and 2)
  and the Table-1 suites as ``l2e-compose`` reads them.
- :mod:`l2e.nee.analysis`: where a find-min engine errs (selection-sort steps, crowded minima,
  pairs); :mod:`l2e.nee.inspection`, a trained model's number embeddings, their principal
  components and its pointer attention; :mod:`l2e.nee.untrained`, untrained runs for benchmarks.
- :mod:`l2e.nee.baseline`: the paper's vanilla sequence-to-sequence transformer (figure 3).
"""
