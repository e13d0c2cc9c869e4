"""Disjoint sets of nodes: the forest bookkeeping of Kruskal and of the spanning-forest check."""

import numpy as np


class UnionFind:
    """The trees of a forest over nodes 0..N-1, merged edge by edge (plain numpy: no subroutine
    call is a step of it).

    Args:
        num_nodes: N; every node starts as a tree of its own.
    """

    def __init__(self, num_nodes: int):
        self.root = np.arange(num_nodes)

    def find(self, node: int) -> int:
        """The root of ``node``'s tree (halving the path on the way)."""
        root = self.root
        while root[node] != node:
            root[node] = root[root[node]]
            node = root[node]
        return node

    def join(self, u: int, v: int) -> bool:
        """Merge the trees of u and v; False if they already were one."""
        u, v = self.find(u), self.find(v)
        self.root[u] = v
        return u != v
