"""``python -m l2e.data``: the command's short name. The Learning-to-Execute data live in
:mod:`l2e.lte.data`; this package only keeps the command (and the ``l2e-data`` script of an
install made before the move) where users call it."""
