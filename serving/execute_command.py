"""``l2e-compose execute``: a program through a Learning-to-Execute executor, with how sure it is
and, on request, the exact answer of the interpreter beside it.

    l2e-compose execute 'a=5#print((a+3))'
    l2e-compose execute 'print(551585301+143469773)' --executor lte-addition --check
    printf '"print((5+3))"\\n"b=4#print((b*2))"\\n' | l2e-compose execute --batch - --check

One JSON object per program: ``{"output": "...", "confidence": P}``, where P is the model's
probability of its whole greedy answer; with ``--check`` also ``"expected"`` (the interpreter's
exact answer) and ``"agrees"``; ``"note"`` when the program lies beyond the executor's training or
where its measured exact accuracy is low. Programs the executor was never trained on are refused
before it runs (one-line error, exit code 2).
"""

import json
import sys

from serving.executor import Executor

EXIT_DISAGREE = 1


def add_parser(commands, parents: list) -> None:
    """The ``execute`` subcommand, with the shared ``--models/--engine/--url/--format`` and
    ``--check/--batch`` flags of ``parents``."""
    execute = commands.add_parser(
        "execute", parents=parents, help="what a Python program prints, as the LSTM executor reads it",
        description="Feed a program to a Learning-to-Execute LSTM executor (after the primer stored in its "
        "metadata) and print the answer it writes greedily, with the model's probability of that whole answer. "
        "Programs are those of the paper's generator (`python -m l2e.data programs --length 2 --nesting 2` shows some); newlines may be "
        "written as # or as real newlines. The addition executor reads print(A+B), the memorization executor a "
        "digit string (it applies the reversal and doubling it was trained with). Programs outside the language "
        "or with numbers longer than the executor was trained on are refused; --check runs the exact "
        "interpreter beside the model.",
        epilog='LINES of --batch: each a JSON string, the program (e.g. "a=5#print((a+3))").')
    execute.add_argument("program", nargs="?", metavar="PROGRAM", help='the program text, "-" to read it from stdin')
    execute.add_argument("--executor", default="lte-programs", metavar="NAME",
                         help="the executor model's name in the models directory: lte-programs, lte-addition, "
                         "lte-memorization-reverse-double, ... (default lte-programs)")


def read_program_line(value) -> str:
    """One ``--batch`` line's JSON value: a program string."""
    if not isinstance(value, str):
        raise ValueError(f"expected a JSON string (the program), got {json.dumps(value)[:40]}")
    return value


def run(args, executor: Executor, programs: list[str]) -> tuple[list[dict], int]:
    """(one JSON answer per program, exit code): 1 with ``--check`` when an answer is wrong."""
    inputs = []
    for number, program in enumerate(programs, start=1):
        try:
            inputs.append(executor.read(program))
        except ValueError as error:
            raise ValueError(f"batch line {number}: {error}" if len(programs) > 1 else str(error)) from None
    answers = []
    for task_input, answer in zip(inputs, executor.answers([i.text for i in inputs])):
        row = {"output": answer.output, "confidence": round(answer.confidence, 4)}
        if args.check:
            row.update(expected=task_input.expected, agrees=answer.output == task_input.expected)
        if task_input.note:
            row["note"] = task_input.note
        answers.append(row)
    wrong = args.check and not all(row["agrees"] for row in answers)
    return answers, EXIT_DISAGREE if wrong else 0


def render(answer: dict) -> str:
    """The text form of one answer: the output, then its confidence, the check and the note."""
    lines = [answer["output"], f"confidence: {answer['confidence']:.1%} (the model's probability of this answer)"]
    if "agrees" in answer:
        lines.append("check: agrees with the interpreter" if answer["agrees"] else
                     f"check: WRONG, the program prints {answer['expected']}")
    if "note" in answer:
        lines.append(f"note: {answer['note']}")
    return "\n".join(lines)


def print_answers(args, answers: list[dict]) -> None:
    if args.batch is not None:
        for answer in answers:
            print(json.dumps(answer))
        if args.check:
            right = sum(answer["agrees"] for answer in answers)
            print(f"check: {right} of {len(answers)} answers agree with the interpreter", file=sys.stderr)
        return
    print(json.dumps(answers[0]) if args.format == "json" else render(answers[0]))
