"""Load YAML files keeping line numbers, so every error can say file:line.

Config, forms and rules are edited by people; "invalid value" is useless without "where".
Mappings load as `Located` dicts that remember the line of each key; lists as `LocatedList`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class YamlError(Exception):
    """A problem in a YAML file, already phrased as `file:line: message`."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class Located(dict):
    """A mapping that remembers where it and each of its keys were written (1-based lines)."""

    path: str = ""
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    path: str = ""
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    result = Located()
    result.line = node.start_mark.line + 1
    result.path = loader.name
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise YamlError(loader.name, key_node.start_mark.line + 1, f"duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.path = loader.name
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load(path: Path | str) -> Any:
    """Parse a YAML file into Located/LocatedList/scalars. Raises YamlError, never a bare yaml error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlError(path, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlError(path, None, f"cannot read: {exc}") from None
    return loads(text, str(path))


def loads(text: str, name: str = "<string>") -> Any:
    loader = _Loader(text)
    loader.name = name
    try:
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise YamlError(name, line, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(name, None, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def check_keys(mapping: Located, allowed: set[str], what: str) -> None:
    """Refuse unknown keys, suggesting the closest valid one (typos are the commonest config error)."""
    import difflib

    for key in mapping:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            valid = ", ".join(sorted(allowed))
            raise YamlError(
                mapping.path, mapping.line_of(key), f"unknown key {key!r} in {what}{hint}; valid keys: {valid}"
            )
