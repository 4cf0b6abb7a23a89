"""Call records: a server that stops with calls in progress and no other node to hand them to (one node, the
default) ends them with their records, as any other end: before, the calls were let go of with no
record, so every restart took the live calls out of both users' histories."""

from __future__ import annotations

import asyncio
import json

import pytest

from hubbub.protocol.constants import CallStatus as S

from .conftest import Harness
from .test_calls_nodes import ask, status


async def test_stopping_alone_ends_live_calls_with_their_records(harness: Harness) -> None:
    alice = await harness.device("alice")
    bob = await harness.device("bob")
    carol = await harness.device("carol")
    dave = await harness.device("dave")
    answered = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    await ask(bob, "call_answer", callid=answered)
    await status(alice, S.ANSWER)
    ringing = (await ask(carol, "call", to="dave"))["callid"]
    await status(dave, S.INCOMING)
    hub = harness.hub
    hub.calls.stop()  # what Hub.stop does first; the records are stored before the store closes
    await asyncio.gather(*hub._background)
    assert not hub.calls.machine.calls
    infos = {}
    for callid in (answered, ringing):
        raw = await harness.scalar("SELECT callinfo FROM messages WHERE cid=?", f"~call-{callid}")
        assert raw is not None, f"no record of call {callid}"
        infos[callid] = json.loads(raw)
    assert infos[answered]["status"] == S.COMPLETE and infos[answered]["answered"] is True
    assert infos[ringing]["status"] == S.UNREACHABLE and infos[ringing]["answered"] is False


@pytest.mark.settings(user_write_bytes=1024)
async def test_call_records_are_charged_to_the_callers_write_budget(harness: Harness) -> None:
    """A call to an offline (or busy) user writes a record into both logs at once; placing calls was
    not charged, so a client could write records into anyone's log past user_write_bytes."""
    alice = await harness.device("alice")
    await harness.token("bob")  # bob exists, never connects: each call is OFFLINE, with a record
    answers = [await alice.request("call", to="bob") for _ in range(10)]
    refused = [a for a in answers if not a.get("ok")]
    assert refused and all(a["error"] == "RATELIMIT" for a in refused), answers
    await asyncio.gather(*harness.hub._background)  # records are stored in the background
    records = await harness.scalar("SELECT count(*) FROM messages WHERE callinfo IS NOT NULL")
    assert 0 < records < 10 and records == len(answers) - len(refused)
