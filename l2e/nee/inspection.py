"""Looking inside a trained NEE: its number embeddings, their principal components, and its
pointer attention through a selection sort (``tools/nee_pictures.py`` draws them, beside the
seq2seq baseline's cross-attention from ``l2e.nee.baseline.GreedySorter``). Only the functions
that take a model import Keras."""

import numpy as np

from serving.numbers import END, to_bits


def pca(points, num_components=2):
    """Principal components by SVD of the centred points.

    Args:
        points: float [M, D].
        num_components: K <= min(M, D).

    Returns:
        ``(projected, explained)``: projected float [M, K], the coordinates along the first K
        principal axes (signs fixed so each axis's largest |loading| is positive); explained
        float [K], each axis's share of the total variance.
    """
    points = np.asarray(points, dtype=np.float64)
    centred = points - points.mean(axis=0, keepdims=True)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    axes = axes[:num_components]
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    axes = axes * signs[:, None]
    variance = singular**2
    return centred @ axes.T, variance[:num_components] / variance.sum()


def number_embeddings(model, numbers=np.arange(256)):
    """The NEE's embedding of each number (``l2e.nee.embedding.BitEmbedding``: sqrt(d_model)
    times the sum of the learned vectors of its set bits).

    Args:
        model: an NEE model (``l2e.nee.model.build_nee_model``, or loaded from its ``.keras``).
        numbers: int [M], each below 2**num_bits.

    Returns:
        float [M, d_model].
    """
    from l2e.nee.model import engine_layer

    engine = engine_layer(model)
    vectors = np.asarray(engine.embedding.bit_vectors)
    return to_bits(np.asarray(numbers), engine.num_bits).astype(np.float64) @ vectors * np.sqrt(engine.d_model)


def pointer_attention(model, values):
    """Pointer attention of a find-min NEE through a selection sort of one list.

    Runs the inference model on ``[values, END]`` step by step, the mask being the model's own
    next mask.

    Args:
        model: a find-min NEE model.
        values: int [N].

    Returns:
        float [N, N + 1]: at each step, the softmax of the pointer logits over ``[values, END]``.
    """
    from l2e.nee.model import engine_layer, inference_model

    engine = engine_layer(model)
    serving = inference_model(model)
    candidates = np.append(np.asarray(values, dtype=np.int64), END)[None]  # [1, N + 1]
    bits = to_bits(candidates, engine.num_bits).astype(np.float32)
    mask = np.zeros(candidates.shape, dtype=np.float32)
    rows = []
    for _ in range(len(values)):
        outputs = serving({"bits": bits, "mask": mask}, training=False)
        logits = np.asarray(outputs["pointer_logits"])[0].astype(np.float64)
        weights = np.exp(logits - logits.max())
        rows.append(weights / weights.sum())
        mask = (np.asarray(outputs["next_mask_logits"]) > 0).astype(np.float32)
    return np.array(rows)
