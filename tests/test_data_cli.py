"""``python -m l2e.data``: JSON lines for users, one-line errors with exit code 2 for bad input."""

import json
import subprocess
import sys

import pytest


def run(*args):
    return subprocess.run([sys.executable, "-m", "l2e.lte.data", *args], capture_output=True, text=True)


def test_programs_json_lines_hold_source_output_and_text():
    result = run("programs", "--length", "3", "--nesting", "2", "-n", "25", "--seed", "4", "--split", "test")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 25
    for record in records:
        printed = []
        exec(record["program"], {"__builtins__": {"range": range, "print": printed.append}})
        assert printed == [record["output"]]
        assert record["text"] == record["program"].replace("\n", "#") + f"@{record['output']}."


def test_memorization_and_addition():
    memo = [json.loads(x) for x in run("memorization", "--length", "5", "--reverse", "--double", "-n", "3").stdout.splitlines()]
    assert all(r["source"] == r["target"][::-1] * 2 and r["text"] == f"{r['source']}@{r['target']}." for r in memo)
    add = [json.loads(x) for x in run("addition", "--length", "9", "-n", "3").stdout.splitlines()]
    assert all(eval(r["source"][6:-1]) == int(r["target"]) for r in add)


def test_same_seed_same_output():
    assert run("programs", "--length", "2", "-n", "5", "--seed", "9").stdout == \
        run("programs", "--length", "2", "-n", "5", "--seed", "9").stdout


@pytest.mark.parametrize("args", [
    ("programs", "--length", "0"), ("programs", "--length", "-4"), ("programs", "--length", "2.5"),
    ("programs", "--length", "3", "--nesting", "0"), ("programs", "--length", "3", "--nesting", "x"),
    ("programs", "--length", "10000000"), ("memorization", "--length", "5", "-n", "-1"),
    ("addition",), ("programs", "--length", "3", "--reverse"), ("sorting",),
])
def test_bad_input_is_one_line_and_exit_2(args):
    result = run(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""
