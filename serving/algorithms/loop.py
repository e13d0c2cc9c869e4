"""Loop-control pieces shared by the algorithms: plain numpy around engine calls."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from serving.engine import Engine, Step
from serving.wide import WideEngine

StepSubroutine = Callable[[np.ndarray, np.ndarray], Step]
"""A bound step method of an engine: ``engine.find_min`` or ``engine.merge_step``."""


def append_end(values: np.ndarray, end: int) -> np.ndarray:
    """A new int64 array [R, L + 1]: ``values`` [R, L] with the end token ``end`` appended to each row."""
    return np.concatenate([values, np.full((len(values), 1), end, dtype=np.int64)], axis=1)


def until_end(
    subroutine: StepSubroutine, values: np.ndarray, mask: np.ndarray, max_steps: int, end: int
) -> Iterator[tuple[np.ndarray, Step]]:
    """Call ``subroutine`` again and again on the rows that have not yet produced END.

    Args:
        subroutine: the step subroutine to call.
        values: int64 [R, L]; the caller may change it in place between steps.
        mask: bool [R, L]; replaced in place, row by row, by each step's next mask.
        max_steps: most calls; rows that never produce END stop there.
        end: the END token of the numbers.

    Yields:
        ``(rows, step)`` per call: rows int64 [A] are the rows called, and step's arrays are
        aligned with them. A row is last called by the step that returned END for it.
    """
    active = np.ones(len(values), dtype=bool)
    for _ in range(max_steps):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            return
        step = subroutine(values[rows], mask[rows])
        mask[rows] = step.next_mask
        active[rows[step.value == end]] = False
        yield rows, step


def collect_until_end(
    subroutine: StepSubroutine, values: np.ndarray, mask: np.ndarray, num_outputs: int, end: int
) -> np.ndarray:
    """The values a step subroutine emits before END, in order: int64 [R, num_outputs]
    (:func:`emitted_until_end` without the pointers)."""
    return emitted_until_end(subroutine, values, mask, num_outputs, end)[0]


def emitted_until_end(
    subroutine: StepSubroutine, values: np.ndarray, mask: np.ndarray, num_outputs: int, end: int
) -> tuple[np.ndarray, np.ndarray]:
    """The values a step subroutine emits before END and the positions it points at, in order:
    int64 [R, num_outputs] each.

    Runs ``until_end`` with at most ``num_outputs + 1`` calls (``values`` [R, L], ``mask``
    [R, L] and ``end`` as there). A row that ends early is padded with END and pointer -1;
    values beyond ``num_outputs`` are dropped (both only happen with an inexact engine).
    """
    emitted = np.full((len(values), num_outputs), end, dtype=np.int64)
    pointers = np.full((len(values), num_outputs), -1, dtype=np.int64)
    count = np.zeros(len(values), dtype=np.int64)
    for rows, step in until_end(subroutine, values, mask, num_outputs + 1, end):
        keep = (step.value != end) & (count[rows] < num_outputs)
        kept_rows = rows[keep]
        emitted[kept_rows, count[kept_rows]] = step.value[keep]
        pointers[kept_rows, count[kept_rows]] = step.pointer[keep]
        count[kept_rows] += 1
    return emitted, pointers


def pairwise_min(engine: Engine, old: np.ndarray, new: np.ndarray) -> Step:
    """find-min over each pair ``[old[m], new[m]]`` (int64 [M] each), nothing masked.

    The step's value [M] is the smaller; its pointer [M] is 1 exactly where ``new`` is
    strictly smaller (equal values resolve to the first position, ``old``).
    """
    return engine.find_min(np.stack([old, new], axis=1), np.zeros((len(old), 2), dtype=bool))


@dataclass(frozen=True)
class Visit:
    """A node just chosen in each of some graphs, paired with its unvisited neighbours.

    All arrays are int64 [M], one entry per edge: ``graph`` the graph's batch index, ``node``
    the chosen node, ``node_key`` its key as the engine returned it, ``other`` an unvisited node
    that an edge joins to it, ``weight`` that edge's weight (below INFINITY).
    """

    graph: np.ndarray
    node: np.ndarray
    node_key: np.ndarray
    other: np.ndarray
    weight: np.ndarray


def visit_nodes(engine: WideEngine, candidates: np.ndarray, weights: np.ndarray) -> Iterator[Visit]:
    """The outer loop of Dijkstra and Prim: choose nodes by smallest key until END comes out.

    Each step calls ``engine.find_min`` on every unfinished graph's candidates with the visited
    nodes masked: its pointer chooses the next node, its next mask marks that node visited.
    Only the edges out of the chosen node are relaxed, as in the textbook algorithms: a missing
    edge (INFINITY) could never lower a key, so no subroutine call is spent on it.

    Args:
        engine: executes the steps; its space's tokens are the INFINITY and END here.
        candidates: int64 [B, N + 1], each graph's node keys followed by END; the caller lowers
            keys in place between visits.
        weights: int64 [B, N, N], weights[b, u, v] the weight of edge u -> v, INFINITY where
            there is none.

    Yields:
        A ``Visit`` per step that has at least one edge to an unvisited node.
    """
    num_nodes, space = candidates.shape[1] - 1, engine.space
    visited = np.zeros(candidates.shape, dtype=bool)
    for rows, step in until_end(engine.find_min, candidates, visited, num_nodes + 1, space.end):
        found = step.value != space.end
        graph, node, node_key = rows[found], step.pointer[found], step.value[found]
        edge_weights = weights[graph, node]
        pair_index, other = np.nonzero(~step.next_mask[found, :num_nodes] & (edge_weights < space.infinity))
        if pair_index.size:
            yield Visit(
                graph=graph[pair_index],
                node=node[pair_index],
                node_key=node_key[pair_index],
                other=other,
                weight=edge_weights[pair_index, other],
            )
