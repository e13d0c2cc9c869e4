"""Argument checks of the algorithms; each raises ValueError naming the parameter."""

import numpy as np

from serving.numbers import NumberSpace, check_integers


def check_lists(values, space: NumberSpace) -> np.ndarray:
    """``values`` as int64 [B, N]: B lists of N >= 1 numbers in 0..``space.max_value``."""
    values = check_integers(values, "values", space.max_value)
    if values.ndim != 2 or values.shape[1] == 0:
        raise ValueError(f"values must have shape [B, N] with N >= 1, got {values.shape}")
    return values


def check_graphs(weights, symmetric: bool, space: NumberSpace) -> np.ndarray:
    """``weights`` as int64 [B, N, N]: edge weights 0..``space.max_value``, ``space.infinity``
    for a missing edge.

    Args:
        weights: weights[b, u, v] is the weight of the edge u -> v of graph b.
        symmetric: require weights[b, u, v] == weights[b, v, u] (undirected graphs).
        space: the numbers of the weights.
    """
    weights = check_integers(weights, "weights", space.max_value, (space.infinity,))
    if weights.ndim != 3 or weights.shape[1] != weights.shape[2] or weights.shape[1] == 0:
        raise ValueError(f"weights must have shape [B, N, N] with N >= 1, got {weights.shape}")
    if symmetric and not np.array_equal(weights, weights.transpose(0, 2, 1)):
        raise ValueError("weights must be symmetric: the graphs are undirected")
    return weights


def check_sources(source, weights: np.ndarray) -> np.ndarray:
    """``source`` as int64 [B]: a node of each of the B graphs of ``weights`` [B, N, N]."""
    batch, num_nodes = weights.shape[:2]
    source = check_integers(source, "source", num_nodes - 1)
    if source.shape != (batch,):
        raise ValueError(f"source must have shape [B] = ({batch},), got {source.shape}")
    return source
