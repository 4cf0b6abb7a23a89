"""`hubbub serve` collects Python's youngest generation less often (see docs/architecture.md, Fan-out)."""

from __future__ import annotations

import gc

from hubbub.config import Settings
from hubbub.server.run import tune_gc


def test_tune_gc_sets_the_young_threshold_and_keeps_the_older_ones() -> None:
    before = gc.get_threshold()
    try:
        tune_gc(Settings().gc_threshold)
        assert gc.get_threshold() == (Settings().gc_threshold, before[1], before[2])
        assert Settings().gc_threshold > 700  # Python's default is what it replaces
    finally:
        gc.set_threshold(*before)
