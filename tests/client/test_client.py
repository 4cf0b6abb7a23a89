"""The Python client against a real server on loopback: auth, ordering, resume, dedup, signout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hubbub.client import AuthError, Client, RequestError, SignedOut, TooManyDevices
from hubbub.protocol.constants import Status

pytestmark = pytest.mark.timeout(30)


async def next_event(c: Client, k: str = "msg", timeout: float = 15.0) -> dict[str, Any]:
    """The next event of kind `k`, skipping others."""
    async def get() -> dict[str, Any]:
        async for ev in c.events():
            if ev["k"] == k:
                return ev
        raise AssertionError("event stream ended")
    return await asyncio.wait_for(get(), timeout)


async def collect(c: Client, n: int, k: str = "msg", timeout: float = 30.0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    async def get() -> None:
        async for ev in c.events():
            if ev["k"] == k:
                out.append(ev)
                if len(out) == n:
                    return
    await asyncio.wait_for(get(), timeout)
    return out


def fast(server: Any, token: str, **kw: Any) -> Client:
    return Client(server.ws_url, token, server.appid, backoff_min=0.02, backoff_max=0.2, **kw)


async def test_connect_and_welcome(server: Any) -> None:
    async with fast(server, server.token("alice")) as c:
        assert c.connected
        assert c.welcome["address"] == "alice"
        assert c.last_seq == 0
        assert await c.ping() > 0
    assert not c.connected


async def test_wrong_appid_is_auth_error_with_reason(server: Any) -> None:
    token = server.token("alice")
    with pytest.raises(AuthError) as info:
        async with Client(server.ws_url, token, "com.other.app"):
            pass
    assert "appid" in info.value.reason


async def test_unknown_token_is_auth_error(server: Any) -> None:
    with pytest.raises(AuthError, match="unknown token"):
        async with Client(server.ws_url, "usr_nope", server.appid):
            pass


@pytest.mark.settings(max_devices=1)
async def test_too_many_devices(server: Any) -> None:
    async with fast(server, server.token("alice", "d1")):
        with pytest.raises(TooManyDevices):
            async with fast(server, server.token("alice", "d2")):
                pass


async def test_send_and_receive_in_order(server: Any) -> None:
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        answers = await asyncio.gather(*(a.send("bob", f"m{i}") for i in range(20)))
        assert all(r["status"] == Status.SENT and r["mid"] > 0 and not r["dup"] for r in answers)
        got = await collect(b, 20)
        assert [e["message"] for e in got] == [f"m{i}" for i in range(20)]
        assert [e["seq"] for e in got] == list(range(got[0]["seq"], got[0]["seq"] + 20))
        assert all(e["dir"] == "in" and e["from"] == "alice" for e in got)
        # alice's own log has her sends (for her other devices)
        mine = await collect(a, 20)
        assert {e["cid"] for e in mine} == {r["cid"] for r in answers}


async def test_failure_status_is_an_answer(server: Any) -> None:
    async with fast(server, server.token("alice")) as a:
        res = await a.send("nobody-here", "hi")
        assert res["status"] == Status.INVALIDDEST


async def test_request_errors(server: Any) -> None:
    async with fast(server, server.token("alice")) as a:
        with pytest.raises(RequestError) as info:
            await a.request("group_get", gid=424242)
        assert info.value.code in ("NOTFOUND", "FORBIDDEN")
        with pytest.raises(RequestError) as info:
            await a.request("history", peer=5)  # wrong type
        assert info.value.code == "BADREQUEST"
        with pytest.raises(RequestError) as info:
            await a.request("no_such_request")
        assert info.value.code == "UNKNOWN"
        assert (await a.request("ping"))["ok"] is True  # still usable


async def test_cut_between_send_and_answer_gives_one_message(server: Any) -> None:
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        ws = a.connection
        assert ws is not None
        ws.transport.pause_reading()  # the answer cannot reach alice
        sending = asyncio.ensure_future(a.send("bob", "once", cid="cid-once"))
        first = await next_event(b)  # the server committed and delivered it
        assert first["message"] == "once"
        assert not sending.done()
        ws.transport.abort()  # cut before alice saw the answer
        res = await asyncio.wait_for(sending, 10)
        assert res["dup"] is True and res["mid"] == first["mid"] and res["status"] == Status.SENT
        assert a.reconnects == 1
        await a.send("bob", "after")
        nxt = await next_event(b)
        assert nxt["message"] == "after"  # no second copy of "once" in between
        history = await b.request("history", peer="alice")
        assert [m["message"] for m in history["messages"]] == ["after", "once"]


async def test_events_exactly_once_across_reconnects(server: Any) -> None:
    n = 60
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        async def produce() -> None:
            for i in range(n):
                await a.send("bob", str(i))
                if i % 7 == 0:
                    await asyncio.sleep(0.01)

        async def cut() -> None:
            for _ in range(4):
                await asyncio.sleep(0.05)
                if b.connection is not None:
                    b.connection.transport.abort()

        producer = asyncio.ensure_future(produce())
        cutter = asyncio.ensure_future(cut())
        got = await collect(b, n, timeout=20)
        await producer
        await cutter
        assert [e["message"] for e in got] == [str(i) for i in range(n)]
        seqs = [e["seq"] for e in got]
        assert seqs == list(range(seqs[0], seqs[0] + n))
        assert b.reconnects >= 1
        assert b.last_seq == seqs[-1]


async def test_resume_from_after_on_a_new_client(server: Any) -> None:
    token = server.token("bob")
    async with fast(server, server.token("alice")) as a:
        async with fast(server, token) as b:
            await a.send("bob", "one")
            first = await next_event(b)
        await a.send("bob", "two")
        await a.send("bob", "three")
        # a client that stored seq `first` resumes right after it
        async with fast(server, token, after=first["seq"]) as b2:
            got = await collect(b2, 2)
            assert [e["message"] for e in got] == ["two", "three"]
        # without `after`, the server resumes from the acknowledged cursor: nothing repeats
        await a.send("bob", "four")
        async with fast(server, token) as b3:
            assert [e["message"] for e in await collect(b3, 1)] == ["four"]


async def test_second_connection_of_device_signs_out_the_first(server: Any) -> None:
    token = server.token("alice", "phone")
    async with fast(server, token) as first:
        async with fast(server, token) as second:
            with pytest.raises(SignedOut) as info:
                await asyncio.wait_for(_drain(first), 5)
            assert "newer connection" in info.value.reason
            assert not first.connected
            with pytest.raises(SignedOut):
                await first.send("bob", "x")
            await asyncio.sleep(0.3)  # the first does not come back and kick the second out
            assert second.connected and first.reconnects == 0
            assert await second.ping() > 0


async def _drain(c: Client) -> None:
    async for _ in c.events():
        pass


async def test_presence_comes_through_events(server: Any) -> None:
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        await a.request("presence", to="bob", activity=3)
        ev = await next_event(b, "presence")
        assert ev["from"] == "alice" and ev["activity"] == 3 and "seq" not in ev


async def test_sends_while_disconnected_wait_and_go_out(server: Any) -> None:
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        assert a.connection is not None
        a.connection.transport.abort()
        results = await asyncio.gather(*(a.send("bob", f"q{i}") for i in range(5)))
        assert all(r["status"] == Status.SENT for r in results)
        got = await collect(b, 5)
        assert sorted(e["message"] for e in got) == [f"q{i}" for i in range(5)]
        assert len({e["mid"] for e in got}) == 5


async def test_a_send_made_during_the_resend_after_a_reconnect_goes_after_the_older_ones(server: Any) -> None:
    """Order per sender holds across a reconnect even when writes wait (a socket buffer draining)."""
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        real_open = a._open

        async def slow_open() -> Any:
            ws = await real_open()
            real_send = ws.send

            async def send(message: Any, *args: Any, **kw: Any) -> None:
                await asyncio.sleep(0.01)  # as a write waiting for a full socket buffer to drain
                await real_send(message, *args, **kw)
            ws.send = send  # type: ignore[method-assign]
            return ws
        a._open = slow_open  # type: ignore[method-assign]
        assert a.connection is not None
        a.connection.transport.abort()
        old = [asyncio.ensure_future(a.send("bob", f"old{i}")) for i in range(5)]

        async def send_once_back() -> dict[str, Any]:
            while not (a.reconnects and a.connected):
                await asyncio.sleep(0.001)
            return await a.send("bob", "new")  # while the old ones are going out again
        results = await asyncio.wait_for(asyncio.gather(*old, send_once_back()), 10)
        assert all(r["status"] == Status.SENT for r in results)
        got = await collect(b, 6)
        assert [e["message"] for e in got] == [f"old{i}" for i in range(5)] + ["new"]


async def test_server_restart_closes_1001_and_the_client_resumes(tmp_path: Any) -> None:
    """A clean shutdown (1001) is not final: the client reconnects to the restarted server and resumes."""
    from hubbub.config import Settings
    from hubbub.server.run import ThreadedServer
    from ..conftest import RunningServer

    settings = Settings.load(env={}, host="127.0.0.1", port=0, data_dir=str(tmp_path / "d"), log_level="warning")
    first = ThreadedServer(settings)
    url = first.__enter__()
    running = RunningServer(first, url, settings)
    running.call(running.admin.create_app(running.app_name))
    alice_token, bob_token = running.token("alice"), running.token("bob")
    port = first.server.bound_port
    async with fast(running, bob_token) as bob, fast(running, alice_token) as alice:
        await alice.send("bob", "before")
        assert [e["message"] for e in await collect(bob, 1)] == ["before"]
        await asyncio.get_running_loop().run_in_executor(None, first.__exit__, None, None, None)
        settings.port = port
        second = ThreadedServer(settings)
        await asyncio.get_running_loop().run_in_executor(None, second.__enter__)
        try:
            await alice.send("bob", "after")  # waits for the reconnect, then goes out
            assert [e["message"] for e in await collect(bob, 1)] == ["after"]
            assert bob.reconnects >= 1 and bob.final_error is None
        finally:
            await asyncio.get_running_loop().run_in_executor(None, second.__exit__, None, None, None)
