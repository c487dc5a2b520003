"""Bounded journals: a long-running sandbox keeps the newest entries and counts the rest."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any


class Journal:
    """The newest ``limit`` entries, each a JSON-ready dict with an increasing ``id``."""

    def __init__(self, limit: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._next_id = 1
        self.dropped = 0

    @property
    def limit(self) -> int:
        assert self._entries.maxlen is not None
        return self._entries.maxlen

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        if len(self._entries) == self.limit:
            self.dropped += 1
        entry["id"] = self._next_id
        self._next_id += 1
        self._entries.append(entry)
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._entries)

    def find(self, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        return [e for e in self._entries if predicate(e)]

    def clear(self, predicate: Callable[[dict[str, Any]], bool] | None = None) -> None:
        if predicate is None:
            self._entries.clear()
        else:
            kept = [e for e in self._entries if not predicate(e)]
            self._entries.clear()
            self._entries.extend(kept)
