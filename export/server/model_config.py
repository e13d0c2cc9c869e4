"""Reading TF Serving's ``models.config``: a text-format ``ModelServerConfig`` (the part the model
server of ``export.server`` serves).

    model_config_list {
      config {
        name: "find_min"
        base_path: "/models/find_min"
        model_platform: "tensorflow"
        model_version_policy { all {} }          # or latest { num_versions: 2 }, specific { versions: 1 }
        version_labels { key: "stable" value: 1 }
      }
    }

``model_version_policy`` is TF Serving's: the latest version by default. A relative
``base_path`` is taken from the current directory, as ``tensorflow_model_server`` does.
"""

import os
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""\s*(?:\#[^\n]*|([{}<>:;,])|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][\w.]*|[-+]?[\d.]+(?:[eE][-+]?\d+)?))""")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}


@dataclass(frozen=True)
class ModelConfig:
    """One model of the config.

    Attributes:
        name: the name clients ask for.
        base_path: the absolute directory of its numeric version directories.
        policy: ``"latest"``, ``"all"`` or ``"specific"``.
        num_versions: how many of the highest versions ``latest`` serves.
        specific_versions: the versions ``specific`` serves.
        labels: version label -> version.
    """

    name: str
    base_path: str
    policy: str = "latest"
    num_versions: int = 1
    specific_versions: tuple[int, ...] = ()
    labels: dict[str, int] = field(default_factory=dict)

    def served(self, on_disk: list[int]) -> list[int]:
        """The versions of ``on_disk`` this policy serves, ascending."""
        if self.policy == "all":
            return sorted(on_disk)
        if self.policy == "specific":
            return sorted(set(on_disk) & set(self.specific_versions))
        return sorted(on_disk)[-self.num_versions:]


def _tokens(text: str) -> list[str]:
    """The tokens of a text-format message; ValueError at the first character that starts none."""
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            line = text.count("\n", 0, position) + 1
            raise ValueError(f"models.config: line {line}: cannot read {text[position:].split()[0]!r}")
        position = match.end()
        token = next((group for group in match.groups() if group is not None), None)
        if token is not None:
            tokens.append(token)
    return tokens


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), token[1:-1])


def _message(tokens: list[str], position: int, closing: str | None) -> tuple[dict[str, list], int]:
    """Fields of the message starting at ``tokens[position]`` up to ``closing`` (None: the end):
    field name -> its values in order (a dict for a message, a str for a scalar)."""
    fields: dict[str, list] = {}
    while position < len(tokens) and tokens[position] != closing:
        name = tokens[position]
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ValueError(f"models.config: expected a field name, got {name!r}")
        position += 1
        if position < len(tokens) and tokens[position] == ":":
            position += 1
        if position >= len(tokens):
            raise ValueError(f"models.config: field {name} has no value")
        token = tokens[position]
        if token in "{<":
            value, position = _message(tokens, position + 1, "}" if token == "{" else ">")
        elif token[0] in "\"'":
            value = _unquote(token)
        elif token in "}>:;,":
            raise ValueError(f"models.config: field {name} has no value")
        else:
            value = token
        fields.setdefault(name, []).append(value)
        position += 1
        if position < len(tokens) and tokens[position] in ";,":
            position += 1
    if closing is not None and position >= len(tokens):
        raise ValueError(f"models.config: a '{closing}' is missing")
    return fields, position


def parse_text_message(text: str) -> dict[str, list]:
    """A text-format protocol buffer message as nested dicts (field -> list of values)."""
    fields, _ = _message(_tokens(text), 0, None)
    return fields


def _only(fields: dict, name: str, where: str, allowed: set[str], default=None):
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValueError(f"models.config: {where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    values = fields.get(name, [])
    if len(values) > 1:
        raise ValueError(f"models.config: {where}: {name} is given {len(values)} times")
    return values[0] if values else default


def _integer(text, where: str) -> int:
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]+", text):
        raise ValueError(f"models.config: {where} must be a non-negative integer, got {text!r}")
    return int(text)


def _policy(fields: dict, where: str) -> dict:
    kinds = {"latest", "all", "specific"}
    _only(fields, "latest", f"{where} model_version_policy", kinds)
    chosen = [kind for kind in kinds if kind in fields]
    if len(chosen) != 1 or len(fields[chosen[0]]) != 1 or not isinstance(fields[chosen[0]][0], dict):
        raise ValueError(f"models.config: {where}: model_version_policy needs one of latest {{}}, all {{}}, specific {{}}")
    kind, body = chosen[0], fields[chosen[0]][0]
    if kind == "latest":
        number = _integer(_only(body, "num_versions", f"{where} latest", {"num_versions"}, "1"),
                          f"{where}: num_versions")
        if number < 1:
            raise ValueError(f"models.config: {where}: num_versions must be at least 1")
        return {"policy": kind, "num_versions": number}
    if kind == "specific":
        _only(body, "", f"{where} specific", {"versions"})
        versions = tuple(_integer(v, f"{where}: versions") for v in body.get("versions", []))
        if not versions:
            raise ValueError(f"models.config: {where}: specific {{}} lists no versions")
        return {"policy": kind, "specific_versions": versions}
    _only(body, "", f"{where} all", set())
    return {"policy": kind}


def _model(fields: dict, directory: str) -> ModelConfig:
    known = {"name", "base_path", "model_platform", "model_version_policy", "version_labels"}
    name = _only(fields, "name", "config", known)
    where = f"model {name!r}" if isinstance(name, str) else "config"
    if not isinstance(name, str) or not name:
        raise ValueError(f"models.config: {where}: name is missing")
    base_path = _only(fields, "base_path", where, known)
    if not isinstance(base_path, str) or not base_path:
        raise ValueError(f"models.config: {where}: base_path is missing")
    platform = _only(fields, "model_platform", where, known, "tensorflow")
    if platform != "tensorflow":
        raise ValueError(f"models.config: {where}: model_platform {platform!r} is not served here (only \"tensorflow\")")
    policy = _only(fields, "model_version_policy", where, known, {})
    if not isinstance(policy, dict):
        raise ValueError(f"models.config: {where}: model_version_policy must be a message {{ ... }}")
    labels = {}
    for entry in fields.get("version_labels", []):
        key = _only(entry, "key", f"{where} version_labels", {"key", "value"})
        if not isinstance(key, str) or not key:
            raise ValueError(f"models.config: {where}: a version label has no key")
        labels[key] = _integer(entry.get("value", [None])[0], f"{where}: version label {key!r}")
    return ModelConfig(name, os.path.join(directory, base_path), labels=labels,
                       **(_policy(policy, where) if policy else {}))


def read_model_config(text: str, directory: str = ".") -> list[ModelConfig]:
    """The models of a ``models.config`` text; relative base paths are taken from ``directory``.

    Raises:
        ValueError naming the problem: not text format, unknown fields, a model listed twice.
    """
    top = parse_text_message(text)
    config_list = _only(top, "model_config_list", "top level", {"model_config_list"})
    if not isinstance(config_list, dict):
        raise ValueError("models.config: expected model_config_list { config { ... } }")
    _only(config_list, "", "model_config_list", {"config"})
    entries = config_list.get("config", [])
    if not all(isinstance(entry, dict) for entry in entries):
        raise ValueError("models.config: each config must be a message { name: ... base_path: ... }")
    models = [_model(entry, os.path.abspath(directory)) for entry in entries]
    names = [model.name for model in models]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"models.config: model {twice[0]!r} is listed more than once")
    return models


def read_model_config_file(path: str) -> list[ModelConfig]:
    """The models of the ``models.config`` file at ``path`` (relative base paths from the current
    directory, as ``tensorflow_model_server`` takes them); ValueError if it cannot be read or parsed."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    return read_model_config(text)
