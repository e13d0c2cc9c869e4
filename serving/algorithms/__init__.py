"""Algorithms written once as loops of engine calls; each runs on any ``serving.engine.Engine``.

Modules: ``selection_sort``, ``merge_sort``, ``dijkstra``, ``prim`` (one algorithm each, a
function of the same name), ``loop`` (the loop-control pieces they share) and ``inputs``
(argument checks). The loops, and reading values by pointer, are plain numpy; every comparison,
sum and mask update is an engine call.
"""
