"""The cluster harness itself: three real nodes behind the balancer pass messages, and a killed node is skipped."""

from __future__ import annotations

import asyncio

from hubbub.client import Client

from .cluster import Cluster


def node_of(cluster: Cluster, client: Client) -> int | None:
    assert cluster.balancer is not None and client.connection is not None
    return cluster.balancer.backend_of(client.connection.local_address[1])


async def test_balancer_spreads_clients_and_skips_a_killed_node(cluster: Cluster) -> None:
    tokens = [cluster.token(f"u{i}", "d") for i in range(3)]
    clients = [Client(cluster.ws_url, t, cluster.appid) for t in tokens]
    for c in clients:
        await c.connect()
    try:
        assert sorted(node_of(cluster, c) for c in clients) == [0, 1, 2], "round robin over the nodes"
        res = await clients[0].send("u1", "across nodes")
        assert res["status"] == 1

        async def first_message(c: Client) -> str:
            async for e in c.events():
                if e.get("k") == "msg":
                    return str(e["message"])
            return ""
        assert await asyncio.wait_for(first_message(clients[1]), 30) == "across nodes"

        # the node of u2 dies: its client comes back through the balancer on another node
        victim = node_of(cluster, clients[2])
        assert victim is not None
        await asyncio.to_thread(cluster.kill, victim)
        deadline = asyncio.get_running_loop().time() + 60
        while clients[2].reconnects == 0 or not clients[2].connected:
            assert asyncio.get_running_loop().time() < deadline, "u2 did not reconnect"
            await asyncio.sleep(0.05)
        assert node_of(cluster, clients[2]) not in (victim, None)
        await clients[0].send("u2", "after the kill")
        assert await asyncio.wait_for(first_message(clients[2]), 30) == "after the kill"
    finally:
        for c in clients:
            await c.close()
