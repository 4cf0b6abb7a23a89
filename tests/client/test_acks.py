"""The client's ack rule on its own (sans-I/O): cumulative, at once past ACK_EVERY, never twice."""

from __future__ import annotations

from hubbub.client.acks import ACK_DELAY, ACK_EVERY, AckPolicy


def test_an_ack_is_due_at_once_only_when_ack_every_events_wait() -> None:
    p = AckPolicy(acked=10)
    assert not p.due_now(10 + ACK_EVERY - 1)
    assert p.due_now(10 + ACK_EVERY)
    assert p.delay == ACK_DELAY


def test_take_acknowledges_everything_applied_once() -> None:
    p = AckPolicy()
    assert not p.waiting(0) and p.waiting(1)
    assert p.take(0) is None, "nothing applied: nothing to ack"
    assert p.take(7) == 7
    assert p.take(7) is None and p.take(5) is None, "never the same or an older seq again"
    assert not p.waiting(7) and p.waiting(8)
    assert not p.due_now(7 + ACK_EVERY - 1)
    assert p.take(9) == 9


def test_a_resume_point_counts_as_acknowledged_and_never_moves_back() -> None:
    p = AckPolicy(acked=3)
    p.known(40)
    assert p.acked == 40 and p.take(40) is None
    p.known(12)
    assert p.acked == 40
    assert AckPolicy(every=2).due_now(2)
