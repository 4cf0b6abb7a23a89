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


async def test_a_file_sent_through_one_node_downloads_from_another_sharing_files_dir(cluster_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Nodes on several machines share one file store (`files_dir`): the files and the key that signs
    their URLs. A picture uploaded to node 0 downloads from node 1, with a URL node 1 signed or node 0."""
    from ..files.images import jpeg
    shared = tmp_path / "shared-files"
    c = cluster_factory(2, files_dir=str(shared))
    picture = jpeg(64, 48)
    alice = Client(c.nodes[0].ws_url, c.token("alice", "phone"), c.appid)
    bob = Client(c.nodes[1].ws_url, c.token("bob", "phone"), c.appid)
    async with alice, bob:
        res = await alice.send_file("bob", picture, "look", name="p.jpg")
        assert res["status"] == 1

        async def first_file() -> dict:  # type: ignore[type-arg]
            async for e in bob.events():
                if e.get("k") == "msg" and e.get("file"):
                    return dict(e["file"])
            return {}
        file = await asyncio.wait_for(first_file(), 30)
        assert await bob.fetch_file(file) == picture, "node 1 serves node 0's upload"
        url = await alice.files.url(file["id"])  # signed by node 0, for alice
        assert url.startswith(c.nodes[0].url)
        assert await asyncio.to_thread(_get, c.nodes[1].url + url[len(c.nodes[0].url):]) == picture, \
            "node 1 accepts a URL node 0 signed"
    assert sorted(p.name for p in shared.iterdir()) == sorted(["file-url.secret", "tmp", "trash",
                                                                file["id"][:2]]), "the files and the key, together"
    for node in c.nodes:
        assert not (node.data_dir / "files").exists() and not (node.data_dir / "file-url.secret").exists()


def _get(url: str) -> bytes:
    import urllib.request
    with urllib.request.urlopen(url, timeout=30) as response:
        return bytes(response.read())
