"""A browser with cross-tab sessions whose leader's node is SIGKILLed resumes on another node.

Three real `hubbub serve` processes share PostgreSQL and Redis behind the test balancer
(tests/server/cluster.py). Alice's three tabs load the example page through the balancer, so the
leader tab's WebSocket lands on one node; bob's page is served by another node directly. Bob
streams to alice before, during and after the kill of alice's node, and alice's tabs send to bob
throughout: every message shows once, in order, in every tab of alice and at bob.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from tests.server.cluster import Cluster, cluster, cluster_factory  # noqa: F401  (fixtures)

from .conftest import Tab, wait_for

pytestmark = pytest.mark.timeout(180)

STREAM = 150      # bob -> alice
KILL = 40         # bob's stream waits here until alice's node is killed,
HOLD = 100        # and here until alice is back online on another node
OUT = 60          # alice -> bob, from her three tabs in turn


def open_tabs(ctx: Any, url: str, n: int) -> list[Tab]:
    tabs = []
    for _ in range(n):
        page = ctx.new_page()
        page.goto(url)
        tabs.append(Tab(page))
    wait_for(lambda: all(t.online() for t in tabs), 30, f"{n} tab(s) online")
    return tabs


def ws_routes(cluster: Cluster) -> list[int]:
    assert cluster.balancer is not None
    return [r.backend for r in cluster.balancer.open_routes("GET /ws")]


def test_leader_node_killed_session_resumes_on_another_node(cluster: Cluster, chromium: Any) -> None:
    contexts: list[Any] = []
    try:
        alice_ctx = chromium.new_context()
        bob_ctx = chromium.new_context()
        contexts += [alice_ctx, bob_ctx]
        query = f"token={cluster.token('alice', 'web')}&appid={cluster.appid}"
        alice = open_tabs(alice_ctx, f"{cluster.url}/example?{query}", 3)
        leaders = [t for t in alice if t.leader()]
        assert len(leaders) == 1
        # the leader's one WebSocket went through the balancer: that node is the victim
        wait_for(lambda: len(ws_routes(cluster)) == 1, 10, "one WebSocket through the balancer")
        (victim,) = ws_routes(cluster)
        other = next(n for n in cluster.nodes if n.index != victim)
        (bob,) = open_tabs(bob_ctx, f"{other.url}/example?token={cluster.token('bob', 'web')}&appid={cluster.appid}", 1)

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
        cluster.nodes[victim].process.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        bob.js("() => { window.gate = 1; }")  # bob goes on while alice's leader has no connection
        send_out(20)
        assert cluster.nodes[victim].wait(10) == -signal.SIGKILL
        wait_for(lambda: ws_routes(cluster) and victim not in ws_routes(cluster), 60,
                 "alice's leader reconnected through the balancer to a live node")
        assert len(ws_routes(cluster)) == 1, "one connection for the three tabs"
        wait_for(lambda: all(t.online() for t in alice), 30, "alice's tabs online again")
        back = len(alice[0].shown("in"))
        # after: the rest of bob's stream, and more from alice
        bob.js("() => { window.gate = 2; }")
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
        assert len(ws_routes(cluster)) == 1
        print(f"alice's tabs had {back} of bob's messages when back online ({KILL} at the kill)")
        assert not any(t.errors for t in alice + [bob]), [t.errors for t in alice + [bob]]
    finally:
        for c in contexts:
            try:
                c.close()
            except Exception:
                pass
