"""The tail of a store's own commits (both stores): what it answers, and when it leaves the read to the database."""

from __future__ import annotations

from hubbub.store.tail import ITEM_OVERHEAD, PER_USER, SKEW_MS, EventTail

NOW = 1_000_000


def test_a_run_of_own_commits_answers_reads_that_start_inside_it() -> None:
    tail = EventTail(1 << 20)
    tail.committed([(7, seq, f'{{"k":"x","n":{seq}}}', None, None) for seq in (3, 4, 5)])
    assert [r[0] for r in tail.after(7, 2, 10, NOW) or []] == [3, 4, 5]
    assert [r[0] for r in tail.after(7, 3, 1, NOW) or []] == [4]
    assert tail.after(7, 1, 10, NOW) is None, "seq 2 is not here: the database has it"
    assert tail.after(7, 5, 10, NOW) is None, "nothing after the run"
    assert tail.after(8, 0, 10, NOW) is None


def test_a_gap_another_node_wrote_starts_a_new_run() -> None:
    tail = EventTail(1 << 20)
    tail.committed([(7, 1, "{}", None, None), (7, 2, "{}", None, None)])
    tail.committed([(7, 5, "{}", None, None)])  # 3 and 4 came from elsewhere
    assert tail.after(7, 0, 10, NOW) is None and tail.after(7, 2, 10, NOW) is None
    assert [r[0] for r in tail.after(7, 4, 10, NOW) or []] == [5]


def test_messages_near_their_deadline_are_read_from_the_database() -> None:
    tail = EventTail(1 << 20)
    tail.committed([(7, 1, "{}", 0, NOW + 60_000), (7, 2, "{}", 0, NOW + SKEW_MS - 1), (7, 3, "{}", None, None)])
    assert [r[0] for r in tail.after(7, 0, 10, NOW) or []] == [1], "served up to the message whose state decides"
    assert tail.after(7, 1, 10, NOW) is None


def test_memory_is_bounded_per_user_and_in_bytes() -> None:
    tail = EventTail(10 * (ITEM_OVERHEAD + 2) * PER_USER)
    tail.committed([(1, seq, "{}", None, None) for seq in range(1, PER_USER + 50)])
    assert tail.after(1, 0, 10, NOW) is None and tail.after(1, 49, 1, NOW) is not None
    for uid in range(2, 40):
        tail.committed([(uid, seq, "{}", None, None) for seq in range(1, PER_USER + 1)])
    assert tail.bytes <= tail.max_bytes
    assert tail.after(1, 100, 1, NOW) is None, "the least recently written user went first"
    assert tail.after(39, 0, 1, NOW) is not None
    tail.forget(39)
    assert tail.after(39, 0, 1, NOW) is None
    off = EventTail(0)
    off.committed([(1, 1, "{}", None, None)])
    assert off.after(1, 0, 1, NOW) is None and off.bytes == 0


def test_one_row_at_a_time_and_a_rollback_clears_it() -> None:
    tail = EventTail(1 << 20, per_user=3)
    for seq in range(1, 6):
        tail.add(7, seq, '{"k":"msg"}', 0, None)
    assert [r[0] for r in tail.after(7, 2, 10, NOW) or []] == [3, 4, 5], "at most per_user, the newest"
    assert tail.after(7, 1, 10, NOW) is None
    tail.clear()
    assert tail.bytes == 0 and tail.after(7, 2, 10, NOW) is None


def test_bodies_count_the_memory_python_holds_for_them() -> None:
    """A limit that protects memory counts bytes: text outside ASCII takes 2 or 4 bytes a character."""
    ascii_, wide = EventTail(1 << 20), EventTail(1 << 20)
    ascii_.add(1, 1, "x" * 1000, None, None)
    wide.add(1, 1, "\U0001F600" * 1000, None, None)  # 4 bytes a character in memory
    assert wide.bytes - ITEM_OVERHEAD >= 4000 > ascii_.bytes - ITEM_OVERHEAD >= 1000
