"""Keras models: the Learning-to-Execute LSTM executor (:mod:`l2e.models.lstm`)."""
