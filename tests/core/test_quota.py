"""Per-user quota buckets at their edges, on an injected clock."""

from __future__ import annotations

from hubbub.core.quota import Buckets


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_bucket_spends_to_its_edge_then_refills_at_its_rate() -> None:
    clock = Clock()
    b = Buckets(3, 60.0, clock)
    assert [b.take("u", 1) for _ in range(4)] == [True, True, True, False]
    assert b.take("v", 1), "each key has its own bucket"
    clock.t += 19.9
    assert not b.take("u", 1), "one token comes back after 20 s, not before"
    clock.t += 0.1
    assert b.take("u", 1) and not b.take("u", 1)


def test_an_operation_larger_than_the_budget_runs_from_a_full_bucket_into_debt() -> None:
    clock = Clock()
    b = Buckets(100, 10.0, clock)
    assert b.take("u", 250)           # full bucket: goes through, 150 in debt
    assert not b.take("u", 0)         # in debt: even a free check is refused
    clock.t += 15.0                   # 150 paid back: level 0
    assert b.take("u", 0) and not b.take("u", 1)
    clock.t += 10.0
    assert b.level("u") == 100 and b.take("u", 100)


def test_charge_refunds_and_full_buckets_are_forgotten() -> None:
    clock = Clock()
    b = Buckets(10, 1.0, clock)
    assert b.take("u", 10)
    b.charge("u", -10)
    assert b.level("u") == 10
    for i in range(3000):
        b.take(i, 1)
    clock.t += 2.0
    b.take("x", 1)
    for i in range(3000, 5000):
        b.take(i, 1)
    assert len(b._state) < 5000, "full buckets are dropped as keys pile up"
