"""Shared test set-up: quiet TensorFlow logs in this process and in the CLIs tests start."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
