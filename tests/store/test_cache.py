"""BoundedCache: a dict bounded in bytes (the writer's heads and cursors), dropping the oldest write."""

from __future__ import annotations

import sys

from hubbub.store.cache import ENTRY_OVERHEAD, BoundedCache


def cost(key: object, value: object) -> int:
    """An entry's bytes counted from scratch, as the cache's docstring defines them."""
    def size(obj: object) -> int:
        return sys.getsizeof(obj) + (sum(sys.getsizeof(i) for i in obj) if isinstance(obj, tuple) else 0)
    return size(key) + size(value) + ENTRY_OVERHEAD


def test_bytes_stay_exact_through_rewrites_of_every_size() -> None:
    cache: BoundedCache[object, object] = BoundedCache(1 << 20)
    keys: list[object] = [1, 7, (3, "d1"), (4, "a-longer-device-id"), 1 << 40, "k"]
    values: list[object] = [1, 0, -5, (1 << 30) - 1, 1 << 30, 1 << 62, 2**100, "x" * 50, (1, "d")]
    for value in values:  # each key rewritten with values across CPython's one-digit edge
        for key in keys:
            cache[key] = value
        assert cache.bytes == sum(cost(k, cache.get(k)) for k in keys)
    assert all(cache.get(k) == values[-1] for k in keys)


def test_the_oldest_write_goes_first_and_the_bound_counts_bytes() -> None:
    one = cost(1, 1)
    cache: BoundedCache[int, int] = BoundedCache(3 * one)
    for k in (1, 2, 3):
        cache[k] = 1
    assert len(cache) == 3 and cache.bytes == 3 * one  # exactly at the bound: all kept
    cache[1] = 2  # a rewrite makes 1 the newest
    cache[4] = 1  # one over: the oldest write (2) goes
    assert sorted(cache) == [1, 3, 4] and cache.bytes == 3 * one
    cache[3] = 1 << 40  # a bigger value: over the bound again, so 1 (now the oldest) goes
    assert sorted(cache) == [3, 4] and cache.bytes <= 3 * one
    assert cache.pop(4) == 1 and cache.bytes == cost(3, 1 << 40)


def test_an_entry_bigger_than_the_whole_bound_is_not_kept() -> None:
    cache: BoundedCache[int, str] = BoundedCache(200)
    cache[1] = "small"
    cache[1] = "x" * 500  # the rewrite drops the old entry and keeps nothing
    assert cache.get(1) is None and cache.bytes == 0
