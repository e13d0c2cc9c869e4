"""``python -m l2e.data``: print Learning-to-Execute examples as JSON lines, exactly as the model
sees them.

    python -m l2e.data programs --length 4 --nesting 2 -n 5
    python -m l2e.data memorization --length 8 --reverse --double -n 3
    python -m l2e.data addition --length 9 -n 3
"""

import json
import random
import sys

from l2e.cli import ArgumentParser, bounded_int, program_name, run_main
from l2e.lte.curriculum import STRATEGIES, Curriculum
from l2e.lte.data.splits import SPLITS
from l2e.lte.data.tasks import draw_example, make_task
from l2e.lte.vocab import NEWLINE
from l2e.validation import MAX_LENGTH, MAX_NESTING


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=program_name(),
        description="Generate Learning-to-Execute examples and print one JSON object per line. "
        "'text' is the exact character string the model is trained on: input, '@', answer, '.'.",
    )
    tasks = parser.add_subparsers(dest="task", required=True, metavar="TASK")

    def common(sub):
        sub.add_argument("--length", type=bounded_int(1, MAX_LENGTH), required=True,
                         help=f"digits per number (the target length under a curriculum), 1..{MAX_LENGTH}")
        sub.add_argument("-n", "--count", type=bounded_int(1), default=10, help="examples to print (default 10)")
        sub.add_argument("--seed", type=bounded_int(0), default=0, help="random seed (default 0)")
        sub.add_argument("--split", choices=SPLITS, default="train",
                         help="which disjoint split to draw from (default train)")
        sub.add_argument("--strategy", choices=STRATEGIES, default="baseline",
                         help="curriculum strategy for the draws (default baseline: always the given "
                         "length/nesting); naive and combined draw from the curriculum's start (1, 1)")

    programs = tasks.add_parser(
        "programs", help="short Python programs; the answer is what they print",
        description="Programs of the Learning-to-Execute grammar. Output fields: program (Python "
        "source), output (the printed integer), text, source, target, length, nesting.")
    common(programs)
    programs.add_argument("--nesting", type=bounded_int(1, MAX_NESTING), default=1,
                          help=f"rounds of operations per program, 1..{MAX_NESTING} (default 1)")

    memorization = tasks.add_parser(
        "memorization", help="copy a digit string",
        description="Memorization: the input is a digit string, the answer the same digits. "
        "Output fields: text, source, target.")
    common(memorization)
    memorization.add_argument("--reverse", action="store_true", help="present the input reversed")
    memorization.add_argument("--double", action="store_true", help="present the input twice")

    addition = tasks.add_parser(
        "addition", help="add two numbers of the same length",
        description="Addition: print(a+b) for two numbers of exactly LENGTH digits. "
        "Output fields: text, source, target.")
    common(addition)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    task = make_task(args.task, getattr(args, "reverse", False), getattr(args, "double", False))
    curriculum = Curriculum(args.strategy, args.length, getattr(args, "nesting", 1))
    rng = random.Random(args.seed)
    out = sys.stdout
    for _ in range(args.count):
        example = draw_example(task, rng, curriculum, args.split)
        record = {"text": example.text, "source": example.source, "target": example.target}
        if args.task == "programs":
            record = {"program": example.source.replace(NEWLINE, "\n"), "output": int(example.target),
                      **record, "length": args.length, "nesting": args.nesting}
        out.write(json.dumps(record) + "\n")
    return 0


def console_main() -> None:
    """Entry point of the console script: one-line errors, exit codes."""
    sys.exit(run_main(main))


if __name__ == "__main__":
    console_main()
