"""The lightweight l2e runtime: numpy (+ onnxruntime) only; it never imports tensorflow or keras."""
