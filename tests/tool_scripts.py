"""The scripts of ``tools/`` as modules, for the tests of what stays in them (their tables,
figures and command lines): each is loaded from its file, so neither the tests nor the tools put
``tools/`` on ``sys.path``; the computations they share are in the package."""

import importlib.util
from pathlib import Path
from types import ModuleType

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def load_tool(name: str) -> ModuleType:
    """A fresh module of ``tools/<name>.py`` (``name`` such as ``"lte_compare"``)."""
    spec = importlib.util.spec_from_file_location(f"tools_{name.replace('/', '_')}", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
