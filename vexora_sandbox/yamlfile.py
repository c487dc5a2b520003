"""Strict YAML loading that can say on which line a key stands.

Config, area and scenario files are all read through here, so every error about them can
name the file, the line and the key path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from vexora_sandbox.errors import ConfigError, ConfigProblem

# libyaml's parser when PyYAML was built with it: several times faster at start-up.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML document and the node tree it came from."""

    source: str
    data: Any
    node: yaml.Node | None

    def _walk(self, path: tuple[str | int, ...]) -> tuple[yaml.Node | None, int | None]:
        """The node at ``path`` (None if it is not there) and the 1-based line of the
        deepest node on the way that exists (a mapping value's key line)."""
        node = self.node
        if node is None:
            return None, None
        line: int = node.start_mark.line + 1
        for step in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if str(key_node.value) == str(step):
                        child = value_node
                        line = key_node.start_mark.line + 1
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(step, int)
                and 0 <= step < len(node.value)
            ):
                child = node.value[step]
                line = child.start_mark.line + 1
            if child is None:
                return None, line
            node = child
        return node, line

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """The 1-based line of the deepest node on ``path`` that exists."""
        return self._walk(path)[1]

    def node_at(self, path: tuple[str | int, ...]) -> yaml.Node | None:
        """The YAML node at ``path``, or None."""
        return self._walk(path)[0]


KeyPath = tuple[str | int, ...]


def key_path(path: KeyPath) -> str:
    """The one way a place in a file is written in messages: ``merchants[0].area``."""
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    return text.lstrip(".")


def kind(value: Any) -> str:
    """What a YAML value is, in words, for a message that says what was received."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return "a mapping"


@dataclass
class Reader:
    """Reads one YAML document strictly, collecting every problem instead of stopping at
    the first: each with the file, the line and the key path. The config, area and
    scenario loaders all read through it."""

    doc: YamlDoc
    problems: list[ConfigProblem] = field(default_factory=list)

    def problem(self, path: KeyPath, message: str) -> None:
        self.problems.append(
            ConfigProblem(self.doc.source, message, self.doc.line_of(path), key_path(path))
        )

    def mapping(self, value: Any, path: KeyPath, allowed: Iterable[str]) -> dict[str, Any] | None:
        """``value`` if it is a mapping (each unknown key reported), else None (reported)."""
        if not isinstance(value, dict):
            self.problem(path, f"must be a mapping; got {kind(value)}")
            return None
        names = tuple(allowed)
        for key in value:
            if key not in names:
                self.problem(
                    (*path, str(key)), f"unknown key {key!r}; expected one of {', '.join(names)}"
                )
        return value


def load_yaml(text: str, source: str) -> YamlDoc:
    """Parse ``text`` (named ``source`` in errors) or raise a ConfigError with the line."""
    loader = _Loader(text)
    try:
        # One parse: the node tree (for line numbers) and the data built from it.
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise ConfigError.single(source, f"invalid YAML: {reason}", line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError.single(source, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return YamlDoc(source, data, node)


def read_yaml(path: str) -> YamlDoc:
    """Read and parse a YAML file; an unreadable file is a ConfigError too."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError.single(path, f"cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError.single(path, "the file is not UTF-8 text") from None
    return load_yaml(text, path)
