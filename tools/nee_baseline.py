"""Paper figure 3 analogue: a plain seq2seq transformer sorting lists vs the NEE selection sort.

    python tools/nee_baseline.py train --out runs/nee-baseline --seconds 600
    python tools/nee_baseline.py evaluate --out runs/nee-baseline \
        --nee runs/shipped/find_min/model.keras --figure docs/nee_baseline_accuracy.png

``train`` fits ``l2e.nee.baseline.build_baseline_model`` on lists of length 1..8 (one length per
batch; values 0..255 with the hard cases of ``l2e.nee.data.training_lists``) with teacher forcing,
until ``--steps`` or ``--seconds`` run out, and saves ``model.keras`` and ``train.json``.
``evaluate`` sorts the ``list_test_suite`` lists (100 per size, seed fixed) with greedy decoding
and with the NEE selection sort, writes ``evaluation.json``, prints a markdown table and draws
accuracy vs length.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from results_markdown import percent

SIZES = (8, 16, 25, 50, 75, 100)


def train(args):
    import keras
    import tensorflow as tf

    from l2e.nee.baseline import build_baseline_model, teacher_forcing_arrays
    from l2e.nee.data import TRAINING_SIZE, training_lists

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build_baseline_model(args.d_model, args.num_layers, args.ff_dim)
    schedule = keras.optimizers.schedules.PolynomialDecay(args.lr, args.steps, args.lr * 0.05)
    optimizer = keras.optimizers.Adam(schedule, beta_2=0.98, clipnorm=1.0)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function(reduce_retracing=True)
    def step(bits, decoder_bits, targets):
        with tf.GradientTape() as tape:
            logits = model({"bits": bits, "decoder_bits": decoder_bits}, training=True)["logits"]
            loss = loss_fn(targets, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, -1), targets), tf.float32))
        return loss, accuracy

    history, start, losses, accuracies = [], time.time(), [], []
    for index in range(1, args.steps + 1):
        size = int(rng.integers(1, TRAINING_SIZE + 1))
        bits, decoder_bits, targets = teacher_forcing_arrays(
            training_lists(rng, args.batch_size, size).values)
        loss, accuracy = step(tf.constant(bits), tf.constant(decoder_bits), tf.constant(targets))
        losses.append(float(loss))
        accuracies.append(float(accuracy))
        if index % 250 == 0 or index == args.steps:
            entry = {"step": index, "seconds": round(time.time() - start, 1),
                     "loss": float(np.mean(losses)), "teacher_forced_accuracy": float(np.mean(accuracies))}
            history.append(entry)
            print(json.dumps(entry), flush=True)
            losses, accuracies = [], []
        if time.time() - start > args.seconds:
            break
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.keras")
    config = {k: v for k, v in vars(args).items() if k != "func"}
    (out / "train.json").write_text(json.dumps({"config": config, "steps_done": index,
                                                "seconds": round(time.time() - start, 1),
                                                "history": history}, indent=1))


def scores(predicted, expected):
    right = np.asarray(predicted) == np.asarray(expected)
    return {"per_number": float(right.mean()), "exact": float(right.all(axis=1).mean())}


def evaluate(args):
    import keras

    from l2e.nee.baseline import GreedySorter
    from l2e.nee.data import list_test_suite
    from l2e.nee.evaluation import evaluate_lists
    from l2e.nee.keras_engine import KerasEngine
    import l2e.nee.model  # noqa: F401  (registers the NEE's layers for loading)

    sorter = GreedySorter(keras.saving.load_model(Path(args.out) / "model.keras", compile=False))
    engine = KerasEngine.load({"find_min": args.nee}) if args.nee else None
    results = []
    for size in args.sizes:
        values = list_test_suite(np.random.default_rng([args.seed, size]), size).values
        started = time.time()
        row = {"size": size, "baseline": scores(sorter(values), np.sort(values, axis=1))}
        if engine is not None:
            nee = evaluate_lists(engine, "selection_sort", values)
            row["nee"] = {"per_number": nee["per_number"], "exact": nee["exact"]}
        row["seconds"] = round(time.time() - started, 1)
        print(json.dumps(row), flush=True)
        results.append(row)
    (Path(args.out) / "evaluation.json").write_text(json.dumps(results, indent=1))
    print(markdown_table(results))
    if args.figure:
        draw(results, args.figure)


def markdown_table(results):
    models = [name for name in ("baseline", "nee") if name in results[0]]
    titles = {"baseline": "seq2seq transformer", "nee": "NEE selection sort"}
    header = "| list length | " + " | ".join(
        f"{titles[m]} per-number | {titles[m]} exact" for m in models) + " |"
    lines = [header, "|---" * (1 + 2 * len(models)) + "|"]
    for row in results:
        cells = [f"{percent(row[m]['per_number'])} | {percent(row[m]['exact'], 0)}" for m in models]
        lines.append(f"| {row['size']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def draw(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [row["size"] for row in results]
    fig, ax = plt.subplots(figsize=(6, 4))
    styles = {"baseline": ("seq2seq transformer", "tab:red"), "nee": ("NEE selection sort", "tab:blue")}
    for name, (label, colour) in styles.items():
        if name not in results[0]:
            continue
        ax.plot(sizes, [100 * r[name]["per_number"] for r in results], "o-", color=colour,
                label=f"{label}, per number")
        ax.plot(sizes, [100 * r[name]["exact"] for r in results], "s--", color=colour,
                label=f"{label}, whole list", alpha=0.6)
    ax.axvline(8, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("list length (trained on lengths up to 8)")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(-2, 102)
    ax.set_title("Sorting: vanilla transformer vs NEE")
    ax.legend(fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(required=True)
    p = sub.add_parser("train", help="train the baseline")
    p.add_argument("--out", default="runs/nee-baseline")
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--num-layers", type=int, default=2)
    p.add_argument("--ff-dim", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=train)
    p = sub.add_parser("evaluate", help="evaluate the baseline (and the NEE) on list_test_suite")
    p.add_argument("--out", default="runs/nee-baseline")
    p.add_argument("--nee", default="",
                   help="a find-min NEE run's model.keras to evaluate beside the baseline, such as "
                   "runs/shipped/find_min/model.keras from tools/train_shipped_models.py (default: none)")
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    p.add_argument("--figure", default="docs/nee_baseline_accuracy.png")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=evaluate)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
