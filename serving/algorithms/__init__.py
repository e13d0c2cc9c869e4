"""Algorithms written once as loops of engine calls; each runs on any ``serving.engine.Engine``.

Modules: ``selection_sort``, ``merge_sort``, ``dijkstra``, ``prim``, ``bellman_ford``,
``floyd_warshall`` and ``kruskal`` (one algorithm each, a function of the same name), ``loop``
(the loop-control pieces they share), ``union_find`` (the forests of Prim's check and Kruskal)
and ``inputs`` (argument checks). The loops, and reading values by pointer, are plain numpy; every comparison,
sum and mask update is an engine call. Each algorithm counts in the numbers of a
``serving.wide.WideEngine`` (any other engine: in 8 bits, ``serving.wide.as_wide``), so a number
above 255 is compared and added byte by byte, and one that leaves the numbers is refused.
"""
