"""Pictures of the NEE and of the seq2seq baseline (paper figures 4 and 5 analogues).

    python tools/nee_pictures.py --nee runs/shipped/find_min/model.keras \
        --baseline runs/nee-baseline/model.keras --docs docs

- ``attention_maps.png``: for one list of 8 and one of 25, the baseline's last decoder block
  cross-attention over the input at each output step, beside the NEE's pointer attention (softmax
  of its pointer logits over ``[list, END]``) at each selection-sort step.
- ``bit_embedding_pca.png``: the first two principal components of the find-min NEE's embeddings
  of the numbers 0..255 (sqrt(d) times the sum of the bit vectors of the set bits), coloured by
  value.

The embeddings, their components and the pointer attention come from ``l2e.nee.inspection``.
"""

import argparse
from pathlib import Path

import numpy as np

from l2e import runs
from l2e.nee.inspection import number_embeddings, pca, pointer_attention


def draw_attention(nee_model, baseline_model, lists, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from l2e.nee.baseline import GreedySorter

    sorter = GreedySorter(baseline_model)
    fig, axes = plt.subplots(len(lists), 2, figsize=(11, 5 * len(lists)))
    for row, values in enumerate(lists):
        output, attention = sorter(np.asarray(values)[None], return_attention=True)
        nee = pointer_attention(nee_model, values)
        panels = [(attention[0], list(values), output[0], "seq2seq transformer: last-layer cross-attention"),
                  (nee, list(values) + ["END"], np.sort(values), "NEE: pointer attention per find-min step")]
        for column, (weights, inputs, outputs, title) in enumerate(panels):
            ax = axes[row, column]
            image = ax.imshow(weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
            size = 8 if len(values) <= 10 else 5
            ax.set_xticks(range(len(inputs)), [str(v) for v in inputs], rotation=90, fontsize=size)
            labels = [str(v) for v in outputs]
            if column == 0:
                wrong = np.asarray(outputs) != np.sort(values)
                labels = [f"{v}*" if bad else str(v) for v, bad in zip(outputs, wrong)]
            ax.set_yticks(range(len(outputs)), labels, fontsize=size)
            ax.set_xlabel("input (in list order)")
            ax.set_ylabel("output step (value output; * = wrong)" if column == 0 else "selection-sort step (sorted value)")
            ax.set_title(f"{title}\nlist of {len(values)}", fontsize=9)
            fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_pca(nee_model, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    numbers = np.arange(256)
    projected, explained = pca(number_embeddings(nee_model, numbers))
    fig, ax = plt.subplots(figsize=(6, 5))
    points = ax.scatter(projected[:, 0], projected[:, 1], c=numbers, cmap="viridis", s=14)
    for number in (0, 1, 2, 3, 64, 127, 128, 191, 255):
        ax.annotate(str(number), projected[number], fontsize=7)
    fig.colorbar(points, ax=ax, label="number")
    ax.set_xlabel(f"PC 1 ({100 * explained[0]:.0f}% of variance)")
    ax.set_ylabel(f"PC 2 ({100 * explained[1]:.0f}% of variance)")
    ax.set_title("find-min NEE: bit embeddings of 0..255 (PCA)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nee", required=True,
                        help="a find-min NEE run's model.keras (such as runs/shipped/find_min/model.keras)")
    parser.add_argument("--baseline", default="runs/nee-baseline/model.keras",
                        help="the baseline's model (tools/nee_baseline.py train; default runs/nee-baseline/model.keras)")
    parser.add_argument("--docs", default="docs")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)

    from l2e.nee.data import list_test_suite

    nee_model = runs.load_model(args.nee)
    docs = Path(args.docs)
    docs.mkdir(parents=True, exist_ok=True)
    draw_pca(nee_model, docs / "bit_embedding_pca.png")
    rng = np.random.default_rng(args.seed)
    lists = [list_test_suite(rng, 8, 1, 0).values[0], list_test_suite(rng, 25, 1, 0).values[0]]
    baseline_model = runs.load_model(args.baseline)
    draw_attention(nee_model, baseline_model, lists, docs / "attention_maps.png")


if __name__ == "__main__":
    main()
