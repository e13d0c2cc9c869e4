"""Settings of the Neural Execution Engine experiments, their presets and command-line flags (no
TensorFlow import, so that ``python -m l2e.fit --help`` stays fast).

One experiment trains one subroutine's model on oracle traces at size 8 (REFERENCE section 2):

| experiment | subroutine | traces |
| --- | --- | --- |
| ``nee-find-min`` | ``find_min`` | selection sort of lists, Dijkstra and Prim on graphs |
| ``nee-merge`` | ``merge_step`` | merge sort of lists |
| ``nee-add`` | ``add`` | sums of operand pairs from the numbers seen (``--holdout K``), and infinity |
| ``nee-mul`` | ``mul`` | products of 6-bit operand pairs |

``nee-sort-vanilla`` is the paper's baseline (figure 3): a vanilla encoder-decoder transformer
(``l2e.nee.baseline``) that reads a whole list of length 1 to 8 and writes it sorted.
"""

import dataclasses

from l2e.cli import bounded_int
from l2e.train.experiment import Preset

SUBROUTINES = {"nee-find-min": "find_min", "nee-merge": "merge_step", "nee-add": "add", "nee-mul": "mul"}
"""Experiment name -> the subroutine its model learns."""

VANILLA = "nee-sort-vanilla"
"""The experiment of the vanilla-transformer baseline, which learns no subroutine."""

EXPERIMENTS = (*SUBROUTINES, VANILLA)

SUBROUTINE_SETTINGS = ("holdout", "warmup", "scalable_softmax", "encoder_layers", "mask_filters")
"""Settings of the subroutine models that the vanilla baseline does not have (all but
``mask_filters`` are flags)."""

VANILLA_SCHEDULE = dict(initial_learning_rate=1e-3, decay_steps=9000, end_learning_rate=5e-5)
"""The baseline's Adam learning rate (``keras.optimizers.schedules.PolynomialDecay``): from 1e-3
linearly down to 5e-5 at step 9000, then constant."""

VANILLA_CLIP_NORM = 1.0
"""The baseline's gradients are clipped at this global norm."""

VANILLA_SETTINGS = dict(d_model=64, num_layers=2, ff_dim=128, dropout=0.0, check_every=250)
"""The baseline's model and check interval, the same in both presets (docs/RESULTS.md)."""

SCALABLE_SOFTMAX = ("none", "encoder", "all")
"""Where ``l2e.nee.model.NeuralExecutionEngine`` uses Scalable-Softmax attention: nowhere (the
paper's attention), in the encoder self-attentions, or also in the decoder cross-attentions."""

NUMBERS = 256
"""The addition operands 0..255 that ``--holdout`` chooses from."""

PAPER_WIDTH = {"nee-find-min": 16, "nee-merge": 16, "nee-add": 24, "nee-mul": 28}
"""d_model of the original code per experiment."""

PRESETS = {
    "paper": Preset(settings=dict(num_layers=6, ff_dim=128, dropout=0.1, warmup=4000, check_every=500),
                    per_experiment={**{name: dict(d_model=width) for name, width in PAPER_WIDTH.items()},
                                    VANILLA: VANILLA_SETTINGS},
                    steps={**dict.fromkeys(SUBROUTINES, 40_000), VANILLA: 9000}),
    "quick": Preset(settings=dict(num_layers=2, ff_dim=128, dropout=0.0, warmup=4000, check_every=250),
                    per_experiment={**{name: dict(d_model=width) for name, width in PAPER_WIDTH.items()},
                                    VANILLA: VANILLA_SETTINGS},
                    steps={**dict.fromkeys(SUBROUTINES, 12_000), VANILLA: 9000}),
}
"""Per preset: model and schedule settings, d_model per experiment and the step budget. ``paper``
is the original code's model and method; ``quick`` the same method and widths with 2+2 layers and
no dropout, for 2 CPU cores. The vanilla baseline is the same in both (``VANILLA_SETTINGS``, 9000
steps)."""

FLAGS = ("holdout", "d_model", "ff_dim", "dropout", "warmup", "patience", "scalable_softmax", "encoder_layers")
"""The flags (argparse names) of these experiments only."""


@dataclasses.dataclass
class NEEConfig:
    """Every setting of a Neural Execution Engine run (defaults: the paper's find-min model)."""

    experiment: str = "nee-find-min"
    preset: str = "paper"  # the preset the settings started from (recorded, not read)
    d_model: int = 16
    num_layers: int = 6
    ff_dim: int = 128
    dropout: float = 0.1
    mask_filters: int = 16
    scalable_softmax: str = "none"
    encoder_layers: int | None = None  # None: as many as num_layers
    batch_size: int = 64
    warmup: int = 4000
    holdout: int = NUMBERS
    check_every: int = 500
    patience: int = 5
    validation_chunks: int = 4
    seed: int = 0

    @property
    def subroutine(self) -> str | None:
        """The subroutine the model learns; None for the vanilla baseline."""
        return SUBROUTINES.get(self.experiment)

    @property
    def name(self) -> str:
        held = f"-K{self.holdout}" if self.subroutine == "add" else ""
        scaled = "" if self.scalable_softmax == "none" else f"-ssmax-{self.scalable_softmax}"
        encoder = "" if self.encoder_layers is None else f"-E{self.encoder_layers}"
        return f"{self.experiment}{held}-d{self.d_model}-L{self.num_layers}{encoder}{scaled}"


def add_arguments(parser) -> None:
    """The flags of these experiments for ``python -m l2e.fit`` (shared flags such as --layers and
    --steps stay in fit.py)."""
    group = parser.add_argument_group(
        "Neural Execution Engines (--experiment nee-*)",
        "--preset paper: 6 encoder + 6 decoder layers, d_model 16 (24 addition, 28 multiplication), ff 128, "
        "dropout 0.1, Adam with 4000 warm-up steps, batch 64, at most 40000 steps; quick: the same with 2 + 2 "
        "layers and no dropout, at most 12000 steps. --layers (blocks of each stack), --batch-size, "
        "--check-every and --steps apply as well. nee-sort-vanilla, the paper's baseline, a vanilla transformer "
        "that writes a whole list sorted (both presets): d_model 64, 2 + 2 layers, ff 128, no dropout, batches of "
        "64 lists of one length 1..8, Adam at 1e-3 decaying linearly to 5e-5 over 9000 steps, gradients clipped "
        "at global norm 1, 9000 steps; --holdout, --warmup, --scalable-softmax and --encoder-layers do not "
        "apply to it.")
    group.add_argument("--holdout", type=bounded_int(1, NUMBERS), metavar="K",
                       help="nee-add: train on sums of K of the 256 numbers only (chosen by --seed; "
                       "default 256, all)")
    group.add_argument("--d-model", type=bounded_int(1, 1024),
                       help="transformer width (paper 16; 24 for addition, 28 for multiplication; 64 for "
                       "nee-sort-vanilla)")
    group.add_argument("--ff-dim", type=bounded_int(1, 8192), help="feed-forward width (paper 128)")
    group.add_argument("--dropout", type=float, help="dropout rate in [0, 1) (paper 0.1)")
    group.add_argument("--warmup", type=bounded_int(1), help="warm-up steps of the learning-rate schedule "
                       "(paper 4000)")
    group.add_argument("--scalable-softmax", choices=SCALABLE_SOFTMAX,
                       help="multiply the attention scores of the encoder (or of all masked attentions) by "
                       "s * log(number of unmasked keys), s learned (Scalable-Softmax), so that attention "
                       "learned on 8 numbers stays as sharp on hundreds (default none: the paper's softmax)")
    group.add_argument("--encoder-layers", type=bounded_int(0, 16), metavar="N",
                       help="encoder blocks, if not as many as --layers; 0 lets the decoder attend to the bit "
                       "embeddings directly, so that no position's key depends on the list's length")
    group.add_argument("--patience", type=bounded_int(0),
                       help="stop once this many checks in a row are perfect on held-out size-8 steps "
                       "(nee-sort-vanilla: size-8 lists, each sorted whole; 0: run the whole --steps budget; "
                       "default 5)")


def config_from_args(args) -> tuple[NEEConfig, int]:
    """(NEEConfig, step budget) from parsed ``l2e.fit`` arguments: the preset, then explicit flags.

    Raises ValueError for a flag of the subroutine models with nee-sort-vanilla, --holdout outside
    nee-add, or a dropout outside [0, 1).
    """
    if args.experiment == VANILLA:
        for name in SUBROUTINE_SETTINGS:
            if getattr(args, name, None) is not None:
                raise ValueError(f"{name.replace('_', '-')}: applies to the subroutine experiments, not to {VANILLA}")
    if args.holdout is not None and SUBROUTINES[args.experiment] != "add":
        raise ValueError("holdout: only nee-add trains on a subset of the numbers")
    if args.dropout is not None and not 0 <= args.dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {args.dropout}")
    preset = PRESETS[args.preset]
    overrides = {"num_layers": args.layers, "ff_dim": args.ff_dim, "dropout": args.dropout,
                 "warmup": args.warmup, "check_every": args.check_every, "batch_size": args.batch_size,
                 "patience": args.patience, "holdout": args.holdout, "d_model": args.d_model,
                 "scalable_softmax": args.scalable_softmax, "encoder_layers": args.encoder_layers}
    settings = {**preset.settings_for(args.experiment), **{k: v for k, v in overrides.items() if v is not None}}
    config = NEEConfig(experiment=args.experiment, preset=args.preset, seed=args.seed, **settings)
    return config, args.steps if args.steps is not None else preset.steps[args.experiment]
