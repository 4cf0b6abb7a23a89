"""Who is connected on the other nodes: a copy each node keeps, fed by the bus (no I/O here).

Each node announces its own connections on the bus (`join`, `leave`), a heartbeat (`alive`), and
asks the others for theirs when it starts or after it lost the bus (`hello`, answered with `join`s).
From that every node knows, without a round trip, whether a user is online anywhere (expiry 0,
presence), which devices they use (the device limit) and where a device's connection lives (so a
newer connection of the same device on another node can `kick` the old one, which gets SIGNOUT).
A node that stops (or is killed) drops out after `timeout` seconds without a heartbeat.

The copy is eventually consistent: two connections of one user landing on two nodes within the
bus latency may both count as the 8th device; the next join or leave settles it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Roster:
    timeout: float
    # uid -> connection key -> (node, device)
    remote: dict[int, dict[str, tuple[str, str]]] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)  # node -> when it was last heard
    draining: set[str] = field(default_factory=set)  # nodes that said they drain (SIGTERM): no heirs

    # -- what the bus brings --------------------------------------------------------------------

    def heard(self, node: str, now: float) -> None:
        self.seen[node] = now

    def join(self, node: str, uid: int, key: str, device: str, now: float) -> None:
        self.heard(node, now)
        self.remote.setdefault(uid, {})[key] = (node, device)

    def leave(self, node: str, uid: int, key: str) -> None:
        conns = self.remote.get(uid)
        if conns and conns.get(key, ("",))[0] == node:
            del conns[key]
            if not conns:
                del self.remote[uid]

    def prune(self, now: float) -> list[str]:
        """Forget nodes not heard for `timeout` seconds (and their connections); return them."""
        dead = [n for n, t in self.seen.items() if now - t > self.timeout]
        for n in dead:
            del self.seen[n]
            self.draining.discard(n)
        if dead:
            self._drop_connections(set(dead))
        return dead

    def forget(self, node: str) -> None:
        """Drop what `node` said about its connections (it will say it again)."""
        self._drop_connections({node})

    def _drop_connections(self, nodes: set[str]) -> None:
        for uid in list(self.remote):
            conns = {k: v for k, v in self.remote[uid].items() if v[0] not in nodes}
            if conns:
                self.remote[uid] = conns
            else:
                del self.remote[uid]

    def forget_all(self) -> None:
        """The bus was lost: what others said may be stale; they will say it again after `hello`."""
        self.remote.clear()
        self.seen.clear()
        self.draining.clear()

    # -- questions ------------------------------------------------------------------------------

    def online(self, uid: int) -> bool:
        return bool(self.remote.get(uid))

    def devices(self, uid: int) -> set[str]:
        return {device for _node, device in self.remote.get(uid, {}).values()}

    def tabs(self, uid: int, device: str) -> int:
        return sum(1 for _node, d in self.remote.get(uid, {}).values() if d == device)

    def holder(self, uid: int, key: str) -> str | None:
        """The node holding connection `key` of uid, if another node does."""
        entry = self.remote.get(uid, {}).get(key)
        return entry[0] if entry else None
