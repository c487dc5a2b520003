"""Bounded journals: a long-running sandbox keeps the newest entries and counts the rest.

Bounded by entries (``journal_size``) and by bytes (sandbox choice): a refused 1 MB body
used to keep its body and its sign base, about 2 MB an entry, so 1,500 of them held 2.9
GB. Each entry now keeps at most ``ENTRY_BYTES`` (64 KiB): longer strings are cut and end
with a note of how much was left out, keys beyond the budget are dropped, and the entry
says ``"truncated": true`` with its ``originalBytes``. All entries together keep at most
``TOTAL_BYTES`` (64 MiB); the oldest go first. Sizes are those of the entry's JSON, near
enough (strings by their UTF-8 length).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

ENTRY_BYTES = 64 * 1024
TOTAL_BYTES = 64 * 1024 * 1024
STRING_CUT = 1024  # characters a long string keeps in a truncated entry


def json_size(value: Any) -> int:
    """About how many bytes ``value`` takes as JSON (without walking a string twice).

    Every journaled call is sized, so the common shapes (a dict of plain strings) are
    sized in one loop without a call per string; the result is the same as ``_size``'s.
    """
    if type(value) is dict:
        total = 2
        for key, item in value.items():
            if type(key) is str and key.isascii():
                total += len(key) + 4
            else:
                total += _size(key) + 2
            if type(item) is str and item.isascii():
                total += len(item) + 2
            else:
                total += json_size(item)
        return total
    return _size(value)


def _size(value: Any) -> int:
    if isinstance(value, str):
        return (len(value) if value.isascii() else len(value.encode("utf-8", "replace"))) + 2
    if isinstance(value, dict):  # a dict subclass: json_size takes dicts
        return 2 + sum(json_size(k) + json_size(v) + 2 for k, v in value.items())
    if isinstance(value, list | tuple):
        return 2 + sum(json_size(v) + 1 for v in value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 3 // 10 + 2  # digits, without str() on a huge number
    return 24


def _cut(value: Any, budget: int) -> Any:
    """``value`` made to fit in about ``budget`` bytes; strings say how much they lost."""
    if isinstance(value, str):
        keep = max(0, min(STRING_CUT, budget - 60))
        if len(value) <= keep:
            return value
        return f"{value[:keep]}... ({len(value) - keep} more characters not kept)"
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        left = budget
        for key, item in value.items():
            if left <= 0:
                kept["..."] = f"{len(value) - len(kept)} more keys not kept"
                break
            kept[key] = _cut(item, left)
            left -= json_size(key) + json_size(kept[key]) + 2
        return kept
    if isinstance(value, list | tuple):
        items: list[Any] = []
        left = budget
        for item in value:
            if left <= 0:
                items.append(f"... {len(value) - len(items)} more items not kept")
                break
            items.append(_cut(item, left))
            left -= json_size(items[-1]) + 1
        return items
    return value


class Journal:
    """The newest entries, each a JSON-ready dict with an increasing ``id``, within
    ``limit`` entries and ``total_bytes`` bytes; each entry within ``entry_bytes``."""

    def __init__(
        self, limit: int, *, entry_bytes: int = ENTRY_BYTES, total_bytes: int = TOTAL_BYTES
    ) -> None:
        self.limit = limit
        self.entry_bytes = entry_bytes
        self.total_bytes = total_bytes
        self._entries: deque[tuple[dict[str, Any], int]] = deque()
        self._next_id = 1
        self.bytes = 0
        self.dropped = 0

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        size = json_size(entry)
        if size > self.entry_bytes:
            original = size
            entry = {k: _cut(v, self.entry_bytes // max(1, len(entry))) for k, v in entry.items()}
            entry["truncated"] = True
            entry["originalBytes"] = original
            size = json_size(entry)
        entry["id"] = self._next_id
        self._next_id += 1
        size += json_size("id") + json_size(entry["id"]) + 2
        self._entries.append((entry, size))
        self.bytes += size
        while len(self._entries) > self.limit or (
            self.bytes > self.total_bytes and len(self._entries) > 1
        ):
            _, gone = self._entries.popleft()
            self.bytes -= gone
            self.dropped += 1
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (entry for entry, _ in self._entries)

    def find(self, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        return [e for e, _ in self._entries if predicate(e)]

    def clear(self, predicate: Callable[[dict[str, Any]], bool] | None = None) -> None:
        if predicate is None:
            self._entries.clear()
            self.bytes = 0
            return
        kept = [(e, size) for e, size in self._entries if not predicate(e)]
        self._entries = deque(kept)
        self.bytes = sum(size for _, size in kept)
