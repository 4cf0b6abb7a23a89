"""Browsers whose node is SIGKILLed resume on another node: cross-tab sessions, and a peer mid-stream.

Three real `hubbub serve` processes share PostgreSQL and Redis behind the test balancer
(tests/server/cluster.py). Alice's three tabs and bob's page all connect through the balancer.
Bob streams to alice while alice's tabs send to bob. First the node of alice's leader tab dies
(bob's messages before, during and after), then, with that node back, the node of bob's
connection dies while he is still streaming (his unanswered sends and the new ones go out again
on another node). Every message shows once, in order, in every tab of alice and at bob.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import time
from typing import Any

import pytest

from hubbub.client import Client
from tests.server.cluster import Cluster, Route, cluster, cluster_factory  # noqa: F401  (fixtures)

from .conftest import Tab, wait_for

pytestmark = pytest.mark.timeout(180)

STREAM = 200      # bob -> alice
KILL = 40         # bob's stream waits here until alice's node is killed,
HOLD = 100        # here until alice is back online on another node, then runs to the end
OUT = 60          # alice -> bob, from her three tabs in turn


def open_tabs(ctx: Any, url: str, n: int) -> list[Tab]:
    tabs = []
    for _ in range(n):
        page = ctx.new_page()
        page.goto(url)
        tabs.append(Tab(page))
    wait_for(lambda: all(t.online() for t in tabs), 30, f"{n} tab(s) online")
    return tabs


def ws_routes(cluster: Cluster) -> list[Route]:
    """The WebSockets open through the balancer (their backend index is the node holding them)."""
    assert cluster.balancer is not None
    return cluster.balancer.open_routes("GET /ws")


def kill(cluster: Cluster, index: int) -> None:
    node = cluster.nodes[index]
    assert node.process is not None and node.process.proc is not None
    node.process.proc.send_signal(signal.SIGKILL)
    assert node.wait(10) == -signal.SIGKILL


def test_nodes_of_a_leader_tab_and_of_a_peer_killed_nothing_lost_or_doubled(cluster: Cluster, chromium: Any) -> None:
    contexts: list[Any] = []
    try:
        alice_ctx = chromium.new_context()
        bob_ctx = chromium.new_context()
        contexts += [alice_ctx, bob_ctx]
        alice = open_tabs(alice_ctx, f"{cluster.url}/example?token={cluster.token('alice', 'web')}&appid={cluster.appid}", 3)
        assert sum(1 for t in alice if t.leader()) == 1
        # the leader's one WebSocket went through the balancer: its node is the first victim
        wait_for(lambda: len(ws_routes(cluster)) == 1, 10, "one WebSocket for alice's three tabs")
        (alice_route,) = ws_routes(cluster)
        bob_url = f"{cluster.url}/example?token={cluster.token('bob', 'web')}&appid={cluster.appid}"
        while True:  # bob on another node than alice (the round robin moves on at each try)
            (bob,) = open_tabs(bob_ctx, bob_url, 1)
            wait_for(lambda: len(ws_routes(cluster)) == 2, 10, "bob's WebSocket")
            (bob_route,) = [r for r in ws_routes(cluster) if r is not alice_route]
            if bob_route.backend != alice_route.backend:
                break
            bob.page.close()
            wait_for(lambda: len(ws_routes(cluster)) == 1, 10, "bob's WebSocket closed")

        bob.js("""([n, kill, hold]) => { window.gate = 0; window.__streamDone = false; (async () => {
            for (let i = 0; i < n; i++) {
              if (i === kill) while (window.gate < 1) await new Promise(r => setTimeout(r, 20));
              if (i === hold) while (window.gate < 2) await new Promise(r => setTimeout(r, 20));
              sendText('alice', 'in' + i); await new Promise(r => setTimeout(r, 15));
            }
            window.__streamDone = true; })(); }""", [STREAM, KILL, HOLD])
        sent_out = 0

        def send_out(count: int) -> None:
            nonlocal sent_out
            for _ in range(count):
                alice[sent_out % 3].send("bob", f"out{sent_out}")
                sent_out += 1

        # before: part of bob's stream has reached every tab, and alice has sent some
        send_out(20)
        wait_for(lambda: all(len(t.shown("in")) == KILL for t in alice), 30, "the stream under way")
        # during: alice's node dies without a word while bob goes on and alice's tabs send
        first = alice_route.backend
        kill(cluster, first)
        bob.js("() => { window.gate = 1; }")  # bob goes on while alice's leader has no connection
        send_out(20)
        wait_for(lambda: any(r is not bob_route for r in ws_routes(cluster)), 60,
                 "alice's leader reconnected through the balancer")
        (alice_route,) = [r for r in ws_routes(cluster) if r is not bob_route]
        assert alice_route.backend != first and bob_route.open
        wait_for(lambda: all(t.online() for t in alice), 30, "alice's tabs online again")
        back = len(alice[0].shown("in"))
        # after: the rest of bob's stream, and more from alice
        cluster.restart(first)
        bob.js("() => { window.gate = 2; }")
        send_out(10)
        # then bob's node dies while he streams: his unanswered and new sends go out on another node
        wait_for(lambda: len(alice[0].shown("in")) >= HOLD + 20, 30, "bob's stream after the hold")
        kill(cluster, bob_route.backend)
        send_out(OUT - sent_out)
        wait_for(lambda: bob.js("() => window.__streamDone"), 60, "bob's stream")

        want_in = [f"in{i}" for i in range(STREAM)]
        want_out = sorted(f"out{i}" for i in range(OUT))
        for t in alice:
            wait_for(lambda t=t: len(t.shown("in")) >= STREAM, 60, "all of bob's messages in every tab")
            wait_for(lambda t=t: len(t.shown("out")) >= OUT, 60, "all of alice's own in every tab")
        wait_for(lambda: len(bob.shown("out")) >= OUT, 60, "all of alice's messages at bob")
        time.sleep(0.5)  # time for a doubled message to show up
        for k, t in enumerate(alice):
            assert t.shown("in") == want_in, f"tab {k}: bob's messages once each, in order"
            assert sorted(t.shown("out")) == want_out, f"tab {k}: alice's own once each"
        assert sorted(bob.shown("out")) == want_out, "bob got each of alice's messages once"
        assert sum(1 for t in alice if t.leader()) == 1
        assert len(ws_routes(cluster)) == 2, "one connection for alice's tabs, one for bob"
        assert not any(t.errors for t in alice + [bob]), [t.errors for t in alice + [bob]]
        print(f"alice's tabs had {back} of bob's messages when back online ({KILL} at the kill)")
    finally:
        for c in contexts:
            try:
                c.close()
            except Exception:
                pass


def test_leader_tab_node_hung_the_session_moves_to_another_node(cluster: Cluster, chromium: Any) -> None:
    """The node of the leader's connection hangs (SIGSTOP: no close reaches the browser, as when a
    machine dies or the network drops packets): the SDK finds the socket silent and moves on."""
    ctx = chromium.new_context()
    try:
        ctx.add_init_script("window.HUBBUB_CONFIG = {pingInterval: 1000, pingTimeout: 1500};")
        alice = open_tabs(ctx, f"{cluster.url}/example?token={cluster.token('alice', 'web')}&appid={cluster.appid}", 3)
        wait_for(lambda: len(ws_routes(cluster)) == 1, 10, "one WebSocket for alice's three tabs")
        (route,) = ws_routes(cluster)
        hung = cluster.nodes[route.backend]
        bob_url, bob_token = cluster.nodes[(route.backend + 1) % 3].ws_url, cluster.token("bob", "py")
        hung.process.proc.send_signal(signal.SIGSTOP)  # type: ignore[union-attr]
        try:
            # the balancer must not send the reconnect to the hung node (it would accept the TCP
            # connection and never answer, as a hung node behind a real balancer until its health check fails)
            assert cluster.balancer is not None
            cluster.balancer.set_backend(route.backend, None)
            wait_for(lambda: any(r is not route for r in ws_routes(cluster)), 30, "alice's leader on another node")
            wait_for(lambda: all(t.online() for t in alice), 30, "alice's tabs online again")

            async def send() -> None:
                async with Client(bob_url, bob_token, cluster.appid) as bob:
                    for i in range(10):
                        assert (await bob.send("alice", f"h{i}"))["status"] == 1
            with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright holds this thread's loop
                pool.submit(asyncio.run, send()).result(60)
            for t in alice:
                wait_for(lambda t=t: len(t.shown("h")) >= 10, 30, "bob's messages in every tab")
            time.sleep(0.3)
            for t in alice:
                assert t.shown("h") == [f"h{i}" for i in range(10)]
        finally:
            hung.process.proc.send_signal(signal.SIGCONT)  # type: ignore[union-attr]
        assert not any(t.errors for t in alice), [t.errors for t in alice]
    finally:
        ctx.close()
