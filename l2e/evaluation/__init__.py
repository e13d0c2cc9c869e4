"""Evaluation of trained models: :mod:`l2e.evaluation.lte` for the Learning-to-Execute executor."""
