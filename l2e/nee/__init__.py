"""Neural Execution Engines: bitwise transformers that learn algorithm subroutines, and their data."""

SCALABLE_SOFTMAX = ("none", "encoder", "all")
"""Where ``l2e.nee.model.NeuralExecutionEngine`` uses Scalable-Softmax attention: nowhere (the
paper's attention), in the encoder self-attentions, or also in the decoder cross-attentions.
Here, free of TensorFlow, so that ``python -m l2e.fit --help`` can offer the choices."""
