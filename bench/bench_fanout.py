"""Fan-out: one message to a group of G online members, for each G in --sizes.

For each group size: --sends messages one at a time (the next when the last member has the
previous one): p50/p99 of the time until the last member has it (goal at 1,000 members: p99 within
50 ms), and the CPU per message of the server and of this loader; then a burst of --burst messages
at once (--burst deliveries in all): deliveries per second and server CPU per delivery, counted
until the server is idle again (the members' acks and the sender's receipts included). Before that,
a 1:1 burst (one sender, one receiver, --burst/10 messages, 64 in flight) gives the server CPU per
1:1 delivery that fan-out is compared with (goal: a fan-out delivery at most half of it). Every
member acknowledges as Hubbub's clients do (after 100 events or 50 ms after the first one waiting,
`hubbub.client.acks`); with --ack-each-frame each events frame as it arrives instead: the server's
worst case, its acks competing with the fan-out of the very message they acknowledge.

    python bench/bench_fanout.py [--sizes 10,100,1000] [--sends 100] [--burst 20] [--ack-each-frame]
                                 [--json out.json] [--plot fanout.png]

The server runs in a child process; the members are this process (the loader).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import benchlib as bl


async def settled(pid: int, quiet: float = 0.005, timeout: float = 30.0) -> None:
    """Wait until the server is idle (under `quiet` CPU seconds in 100 ms): the acks, receipts and
    commits a burst leaves behind are counted in its CPU."""
    end = time.monotonic() + timeout
    last = bl.cpu_seconds(pid)
    while time.monotonic() < end:
        await asyncio.sleep(0.1)
        now = bl.cpu_seconds(pid)
        if now - last < quiet:
            return
        last = now


async def run(url: str, pid: int, tokens: list[str], sizes: list[int], sends: int, burst: int,
              offer: str | None, ack_each: bool = False) -> dict[str, Any]:
    sender = await bl.connect_peer(url, tokens[0], offer=offer, ack_each=ack_each)
    members: list[bl.Peer] = await bl.open_many(
        max(sizes), lambda i: bl.connect_peer(url, tokens[i + 1], offer=offer, ack_each=ack_each), "members online")
    counts: dict[str, int] = {}
    arrived: dict[str, float] = {}
    waiting: dict[str, tuple[int, asyncio.Future[None]]] = {}

    def on_message(_peer: bl.Peer, event: dict[str, Any]) -> None:
        text = event["message"]
        n = counts[text] = counts.get(text, 0) + 1
        w = waiting.get(text)
        if w is not None and n >= w[0]:
            arrived[text] = time.perf_counter()
            if not w[1].done():
                w[1].set_result(None)
    for m in members:
        m.on_message = on_message

    def expect(text: str, n: int) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting[text] = (n, fut)
        return fut

    out: dict[str, Any] = {"acks": "each events frame" if ack_each else "as the clients do", "groups": []}
    # 1:1 in the same run: one sender, one receiver, 64 messages in flight
    n = max(1, burst // 10)
    texts = [f"one-to-one-{k}" for k in range(n)]
    dones = [expect(t, 1) for t in texts]
    gate = asyncio.Semaphore(64)
    await asyncio.sleep(1.0)
    cpu0, t0 = bl.cpu_seconds(pid), time.perf_counter()
    for t in texts:
        await gate.acquire()
        sender.send_message(to="m0", text=t).add_done_callback(lambda _f: gate.release())
    await asyncio.wait_for(asyncio.gather(*dones), 120)
    elapsed = time.perf_counter() - t0
    await settled(pid)
    cpu = bl.cpu_seconds(pid) - cpu0
    out["one_to_one"] = {"messages": n, "deliveries_per_s": round(n / elapsed, 1),
                         "server_cpu_us_per_delivery": round(1e6 * cpu / n, 1)}
    for size in sizes:
        res = await sender.request({"t": "group_create", "name": f"g{size}", "flag": 0,
                                    "members": [f"m{i}" for i in range(size)]})
        if not res.get("ok"):
            raise RuntimeError(f"group_create failed: {res}")
        gid = res["gid"]
        await asyncio.sleep(0.5)  # the group events reach every member
        progress = bl.Progress(f"group of {size}: one at a time", sends)
        lasts = []
        cpu0, mine0 = bl.cpu_seconds(pid), time.process_time()
        for k in range(sends):
            text = f"g{size}-one-{k}"
            done = expect(text, size)
            t0 = time.perf_counter()
            answer = await sender.send_message(gid=gid, text=text)
            if answer.get("status") != 1:
                raise RuntimeError(f"send failed: {answer}")
            await asyncio.wait_for(done, 60)
            lasts.append(arrived[text] - t0)
            progress.advance()
        # CPU per message sent one at a time: the server's, and this loader's (its members read and ack)
        one_cpu, loader_cpu = (bl.cpu_seconds(pid) - cpu0) / sends, (time.process_time() - mine0) / sends
        count = max(1, burst // size)
        texts = [f"g{size}-burst-{k}" for k in range(count)]
        dones = [expect(t, size) for t in texts]
        await asyncio.sleep(1.0)  # let the previous work (receipts to the sender) drain
        cpu0, t0 = bl.cpu_seconds(pid), time.perf_counter()
        for t in texts:
            sender.send_message(gid=gid, text=t)
        await asyncio.wait_for(asyncio.gather(*dones), 120)
        elapsed = time.perf_counter() - t0
        await settled(pid)  # the members' acks and the sender's receipts are part of the cost
        cpu = bl.cpu_seconds(pid) - cpu0
        deliveries = size * count
        row = {"members": size, "sends": sends, "last_member_p50_ms": bl.ms(bl.pct(lasts, 50)),
               "last_member_p99_ms": bl.ms(bl.pct(lasts, 99)),
               "one_at_a_time_server_cpu_ms_per_message": round(1000 * one_cpu, 2),
               "one_at_a_time_loader_cpu_ms_per_message": round(1000 * loader_cpu, 2), "burst_messages": count,
               "burst_deliveries_per_s": round(deliveries / elapsed, 1),
               "burst_last_member_ms": bl.ms(elapsed),
               "server_cpu_us_per_delivery": round(1e6 * cpu / deliveries, 1)}
        out["groups"].append(row)
        print(f"group of {size:>5}: last member p50 {row['last_member_p50_ms']} ms, p99 "
              f"{row['last_member_p99_ms']} ms (one at a time; CPU per message: server "
              f"{row['one_at_a_time_server_cpu_ms_per_message']} ms, loader "
              f"{row['one_at_a_time_loader_cpu_ms_per_message']} ms); burst of {count}: "
              f"{row['burst_deliveries_per_s']:.0f} deliveries/s, {row['server_cpu_us_per_delivery']} us "
              f"server CPU/delivery", flush=True)

    one = out["one_to_one"]["server_cpu_us_per_delivery"]
    for row in out["groups"]:
        row["cpu_ratio_to_one_to_one"] = round(row["server_cpu_us_per_delivery"] / one, 3) if one else None
    print(f"1:1 (64 in flight): {out['one_to_one']['deliveries_per_s']:.0f} deliveries/s, {one} us server "
          f"CPU/delivery; fan-out CPU per delivery / 1:1 (goal <= 0.5): "
          + ", ".join(f"{r['members']}: {r['cpu_ratio_to_one_to_one']}" for r in out["groups"]))
    for r in out["groups"]:
        if r["members"] == 1000:
            print(f"goal, last of 1,000 members within 50 ms (p99 of {r['sends']} sends one at a time): "
                  f"{r['last_member_p99_ms']} ms")
    for p in [sender, *members]:
        p.abort()
    return out


def draw(ax: Any, results: dict[str, Any]) -> None:
    rows = results["groups"]
    xs = [r["members"] for r in rows]
    ax.plot(xs, [r["last_member_p50_ms"] for r in rows], marker="o", label="last member, p50 (one at a time)")
    ax.plot(xs, [r["last_member_p99_ms"] for r in rows], marker="o", label="last member, p99 (one at a time)")
    ax.set_xscale("log")
    ax.set_xlabel("online group members")
    ax.set_ylabel("ms until the last member has the message")
    ax.set_title("Fan-out: one message to a group")
    ax.legend()


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--sizes", default="10,100,1000", help="group sizes (online members)")
    p.add_argument("--sends", type=int, default=100, help="messages sent one at a time per group size")
    p.add_argument("--burst", type=int, default=20000,
                   help="deliveries per burst: each group gets burst/size messages at once; 1:1 burst/10")
    p.add_argument("--no-offer", action="store_true", help="do not offer permessage-deflate")
    p.add_argument("--ack-each-frame", action="store_true",
                   help="members acknowledge each events frame at once (default: as the clients do)")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    bl.raise_nofile()
    bl.install_uvloop()
    with bl.tempdir() as tmp:
        data = Path(tmp) / "data"
        tokens = bl.make_tokens(data, ["sender"] + [f"m{i}" for i in range(max(sizes))])
        env = {"HUBBUB_MAX_GROUP_MEMBERS": str(max(sizes) + 1)}
        with bl.hubbub_server(data, env) as server:
            results = asyncio.run(run(server.ws_url, server.pid, tokens, sizes, args.sends, args.burst,
                                      None if args.no_offer else bl.BROWSER_DEFLATE, args.ack_each_frame))
    bl.finish(args, results, draw)


if __name__ == "__main__":
    main()
