"""Settings of the Learning-to-Execute experiments, their presets and command-line flags (no
TensorFlow import, so that ``python -m l2e.fit --help`` stays fast).

| experiment | task |
| --- | --- |
| ``programs`` | a Python program -> its printed integer (``--length``, ``--nesting``) |
| ``memorization`` | copy a digit string (``--reverse``, ``--double``) |
| ``addition`` | two numbers -> their sum |
"""

import dataclasses

from l2e.cli import bounded_int, positive_float
from l2e.lte.curriculum import STRATEGIES
from l2e.lte.data.tasks import TASKS
from l2e.train.experiment import Preset
from l2e.validation import MAX_LENGTH, MAX_NESTING

EXPERIMENTS = TASKS

PRECISIONS = ("float32", "bfloat16")
"""The precisions of the LSTM's training matrix products (the variables are float32 in both)."""

PRESETS = {
    "paper": Preset(
        settings=dict(hidden_size=400, num_layers=2, batch_size=100, unroll=50, validation_examples=200,
                      test_examples=1000, grid_examples=200),
        per_experiment={"memorization": dict(length=6, nesting=1), "programs": dict(length=6, nesting=3),
                        "addition": dict(length=9, nesting=1)},
        steps={"memorization": 4000, "programs": None, "addition": None}),
    "quick": Preset(
        settings=dict(hidden_size=128, num_layers=2, batch_size=100, unroll=50, validation_examples=100,
                      test_examples=500, grid_examples=100),
        per_experiment={"memorization": dict(length=5, nesting=1), "programs": dict(length=2, nesting=2),
                        "addition": dict(length=5, nesting=1)},
        steps=dict.fromkeys(TASKS, 1500)),
}
"""Per preset: the model and method, each experiment's target (length, nesting) and step budget
(None: until the learning rate falls below 1e-3). ``paper`` is the paper's; it limits
memorization to 20 epochs of 200 minibatches. ``quick`` is a 2 x 128 LSTM for 2 CPU cores."""

FLAGS = ("reverse", "double", "length", "nesting", "hidden_size", "unroll", "learning_rate", "precision")
"""The flags (argparse names) of these experiments only; ``--strategy`` has a default and is
ignored elsewhere."""


@dataclasses.dataclass
class LTEConfig:
    """Every setting of a Learning-to-Execute run (the defaults are the paper's)."""

    task: str = "memorization"
    preset: str = "paper"  # the preset the settings started from (recorded, not read)
    reverse: bool = False
    double: bool = False
    strategy: str = "combined"
    length: int = 6
    nesting: int = 3
    hidden_size: int = 400
    num_layers: int = 2
    batch_size: int = 100
    unroll: int = 50
    learning_rate: float = 0.5
    clip_norm: float = 5.0
    decay: float = 0.8
    min_learning_rate: float = 1e-3
    check_every: int = 100
    validation_examples: int = 200
    test_examples: int = 1000
    grid_examples: int = 200
    seed: int = 0
    precision: str = "float32"  # of the LSTM's training products; a way to run, so --resume may change it

    @property
    def name(self) -> str:
        transforms = "".join(f"-{t}" for t in ("reverse", "double") if getattr(self, t))
        size = f"L{self.length}" + (f"N{self.nesting}" if self.task == "programs" else "")
        return f"{self.task}{transforms}-{size}-{self.strategy}"


def add_arguments(parser) -> None:
    """The flags of these experiments for ``python -m l2e.fit`` (shared flags such as --layers
    and --steps stay in fit.py)."""
    group = parser.add_argument_group(
        "Learning to Execute (--experiment programs, memorization, addition)",
        "--preset paper: 2 x 400 LSTM, batch 100, unrolled 50 steps, SGD at 0.5, trained until the learning rate "
        "falls below 1e-3 (memorization at most 4000 steps); quick: 2 x 128 LSTM, 1500 steps.")
    group.add_argument("--reverse", action="store_true", help="memorization: present the input reversed")
    group.add_argument("--double", action="store_true", help="memorization: present the input twice")
    group.add_argument("--strategy", choices=STRATEGIES, default="combined",
                       help="curriculum: baseline (always the target), naive (grow from 1), mix (uniform up to "
                       "the target), combined (1/5 mix, 4/5 naive; default)")
    group.add_argument("--length", type=bounded_int(1, MAX_LENGTH),
                       help="target digits per number (default: the preset's, e.g. 6 for programs in paper)")
    group.add_argument("--nesting", type=bounded_int(1, MAX_NESTING),
                       help="programs: target nesting (default: the preset's, 3 in paper)")
    group.add_argument("--hidden-size", type=bounded_int(1, 8192), help="LSTM units per layer (paper 400)")
    group.add_argument("--unroll", type=bounded_int(1, 10_000), help="characters per stream per minibatch (paper 50)")
    group.add_argument("--learning-rate", type=positive_float, help="initial SGD learning rate (paper 0.5)")
    group.add_argument("--precision", choices=PRECISIONS,
                       help="of the LSTM's matrix products in training: float32 (the paper's; default) or "
                       "bfloat16 (about 1.8x faster a step on a CPU with AMX; variables, cell state and "
                       "updates stay float32); --resume may change it")


def config_from_args(args) -> tuple[LTEConfig, int | None]:
    """(LTEConfig, step budget) from parsed ``l2e.fit`` arguments: the preset, then every explicit
    flag. ValueError for a flag that does not fit the experiment."""
    if args.experiment != "programs" and args.nesting is not None:
        raise ValueError("nesting: only the programs experiment has a nesting")
    if (args.reverse or args.double) and args.experiment != "memorization":
        raise ValueError("reverse/double: input transforms apply to the memorization experiment only")
    preset = PRESETS[args.preset]
    overrides = {"hidden_size": args.hidden_size, "num_layers": args.layers, "batch_size": args.batch_size,
                 "unroll": args.unroll, "learning_rate": args.learning_rate, "check_every": args.check_every,
                 "length": args.length, "nesting": args.nesting}
    settings = {**preset.settings_for(args.experiment), **{k: v for k, v in overrides.items() if v is not None}}
    config = LTEConfig(task=args.experiment, preset=args.preset, reverse=args.reverse, double=args.double, strategy=args.strategy,
                       seed=args.seed, precision=args.precision or "float32", **settings)
    return config, args.steps if args.steps is not None else preset.steps[args.experiment]
