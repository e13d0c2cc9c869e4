"""Commands that a --help text tells the user to run do run."""

import os
import re
import shlex
import subprocess
import sys


def test_the_data_command_that_compose_execute_help_names_runs():
    help_text = subprocess.run([sys.executable, "-m", "serving", "execute", "--help"], capture_output=True,
                               text=True, check=True, env={**os.environ, "COLUMNS": "1000"}).stdout
    commands = re.findall(r"python -m (l2e\.data[^)`]*)", help_text)
    assert commands, help_text
    for command in commands:
        result = subprocess.run([sys.executable, "-m", *shlex.split(command), "-n", "1"], capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout.count("\n") == 1, (command, result.stderr)
