"""A dict bounded by an estimate of its memory in bytes, dropping the least recently written first.

The store's writer caches every user's log head and every device's cursor it touches; without a
bound these grow with every user ever seen. A dropped entry costs one indexed read the next time.
"""

from __future__ import annotations

import sys
from typing import Callable, Generic, Hashable, Iterator, Mapping, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ENTRY_OVERHEAD = 64
"""Bytes a dict entry costs beyond its key and value objects (hash, two pointers, and table slack)."""


_ONE_DIGIT = 1 << 30
"""Ints from 1 to this (exclusive) are one CPython digit: all of them take the bytes of 1."""
_ONE_DIGIT_BYTES = sys.getsizeof(1)


def _size(obj: object, getsizeof: Callable[[object], int] = sys.getsizeof) -> int:
    """An object's bytes, a tuple's or frozenset's with its items' (one level: keys like (uid, device)).

    On every write of a head or a cursor (1,000 of each per message to a 1,000-member group), so a
    plain loop rather than a generator, `getsizeof` bound once, and the ids and seqs that make up
    most keys and values answered without a call."""
    if type(obj) is int and 0 < obj < _ONE_DIGIT:
        return _ONE_DIGIT_BYTES
    size = getsizeof(obj)
    if isinstance(obj, (tuple, frozenset)):
        for item in obj:
            size += getsizeof(item)
    return size


class BoundedCache(Generic[K, V]):
    """A mapping of at most `max_bytes` (estimated); writing an entry makes it the newest."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: dict[K, tuple[V, int]] = {}

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._data))

    def get(self, key: K, default: V | None = None) -> V | None:
        entry = self._data.get(key)
        return default if entry is None else entry[0]

    def __setitem__(self, key: K, value: V) -> None:
        data = self._data
        old = data.pop(key, None)
        if old is None:
            cost = _size(key) + _size(value) + ENTRY_OVERHEAD
        else:  # a rewrite (a head or a cursor moving on): the key's bytes are in the old cost
            self.bytes -= old[1]
            cost = old[1] - _size(old[0]) + _size(value)
        if cost > self.max_bytes:
            return
        data[key] = (value, cost)
        self.bytes += cost
        while self.bytes > self.max_bytes:  # dicts keep insertion order: the first is the oldest write
            oldest = next(iter(data))
            self.bytes -= data.pop(oldest)[1]

    def update(self, items: Mapping[K, V]) -> None:
        for key, value in items.items():
            self[key] = value

    def pop(self, key: K, default: V | None = None) -> V | None:
        entry = self._data.pop(key, None)
        if entry is None:
            return default
        self.bytes -= entry[1]
        return entry[0]

    def __delitem__(self, key: K) -> None:
        if key not in self._data:
            raise KeyError(key)
        self.pop(key)

    def clear(self) -> None:
        self._data.clear()
        self.bytes = 0
