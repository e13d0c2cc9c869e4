"""Cross-replica gradient clipping and per-replica rows under a 2-device MirroredStrategy (run in a
subprocess: logical devices must be configured before TensorFlow starts)."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import numpy as np
    import tensorflow as tf
    from l2e.train.distribute import (clip_across_replicas, configure_cpu_replicas, distribute_rows,
                                      gather_rows, make_strategy)
    configure_cpu_replicas(2)
    strategy = make_strategy("mirrored")
    assert strategy.num_replicas_in_sync == 2

    # replica 0 holds gradient [3, 0], replica 1 holds [0, 4]: the global gradient [3, 4] has norm 5
    local = distribute_rows(strategy, [np.array([[3.0, 0.0], [0.0, 4.0]], np.float32)])[0]

    @tf.function
    def clip(g):
        scaled, norm = strategy.run(lambda x: clip_across_replicas([x[0]], 2.5), args=(g,))
        total = strategy.reduce(tf.distribute.ReduceOp.SUM, scaled[0], axis=None)
        return total, strategy.reduce(tf.distribute.ReduceOp.MEAN, norm, axis=None)

    total, norm = clip(local)
    np.testing.assert_allclose(norm.numpy(), 5.0, rtol=1e-6)
    np.testing.assert_allclose(total.numpy(), [1.5, 2.0], rtol=1e-6)  # clipped as a whole to norm 2.5
    # per-replica clipping would have given [2.5, 2.5]

    rows = np.arange(12, dtype=np.float32).reshape(6, 2)
    back = gather_rows(strategy, distribute_rows(strategy, [rows]))[0]
    np.testing.assert_array_equal(back, rows)
    print("ok")
""")


def test_global_norm_clipping_across_two_replicas_and_row_round_trip():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
