"""Idle connections: server memory (RSS) per authenticated idle WebSocket, as browsers connect.

A loader in this process opens N connections to a server in a child process, each offering
permessage-deflate as Chromium and Firefox do, authenticates each and then holds it idle. The
server's RSS is read at N = each --counts value (one server, connections added step by step), and
KiB per connection is (RSS at N - RSS before the first connection) / N, and likewise for its
anonymous part (heap) and its file-backed part (for Hubbub mostly SQLite's mmap of the pages the
first auths read, which weighs most at small N). The same is done for bare servers
(bench/bare_servers.py) in the same run; the first --bare one is the baseline.

    python bench/bench_connections.py [--counts 1000,5000,15000] [--bare aiohttp,picows]
                                      [--settle 2] [--json out.json] [--plot memory.png]

The file-descriptor limit is raised to its hard limit in both processes; N must stay below it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path
from typing import Any

import benchlib as bl
from bare_servers import NAMES

HUBBUB_SETTINGS = {"HUBBUB_AUTH_TIMEOUT": "120"}  # a loaded machine may reach an auth frame late


async def load(server: bl.ServerProcess, counts: list[int], tokens: list[str] | None, offer: str | None,
               settle: float, label: str) -> dict[str, Any]:
    """Open connections up to each count; RSS at each step."""
    pid = server.pid
    await asyncio.sleep(settle)
    base = bl.rss_parts(pid)
    conns: list[bl.RawWS] = []
    steps = []
    extensions = ""

    async def open_one(i: int) -> bl.RawWS:
        for attempt in range(5):
            try:
                ws = await bl.open_ws(server.ws_url, offer, timeout=60)
                break
            except (OSError, asyncio.TimeoutError):
                if attempt == 4:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
        ws.send(bl.auth_frame(tokens[i] if tokens else f"user{i}"))
        welcome = await ws.recv()
        if '"welcome"' not in welcome:
            raise RuntimeError(f"connection {i} not welcomed: {welcome[:200]}")
        return ws

    t0 = time.perf_counter()
    for count in counts:
        start = len(conns)
        conns += await bl.open_many(count - start, lambda i: open_one(start + i), f"{label}: {start}->{count}")
        extensions = conns[0].extensions if conns else ""
        await asyncio.sleep(settle)
        rss = bl.rss_parts(pid)
        steps.append({"connections": count, "rss_kb": rss["VmRSS"],
                      "kb_per_connection": round((rss["VmRSS"] - base["VmRSS"]) / count, 2),
                      "anon_kb_per_connection": round((rss.get("RssAnon", 0) - base.get("RssAnon", 0)) / count, 2),
                      "file_kb_per_connection": round((rss.get("RssFile", 0) - base.get("RssFile", 0)) / count, 2)})
    elapsed = time.perf_counter() - t0
    lost = sum(1 for c in conns if c.closed.done())
    for c in conns:
        c.abort()
    return {"rss_before_kb": base["VmRSS"], "steps": steps, "negotiated": extensions, "lost_while_idle": lost,
            "connect_s": round(elapsed, 2)}


def measure_hubbub(counts: list[int], offer: str | None, settle: float, env: dict[str, str]) -> dict[str, Any]:
    with bl.tempdir() as tmp:
        data = Path(tmp) / "data"
        print(f"creating {counts[-1]} users...", file=sys.stderr)
        tokens = bl.make_tokens(data, [f"u{i}" for i in range(counts[-1])])
        with bl.hubbub_server(data, {**HUBBUB_SETTINGS, **env}) as server:
            return asyncio.run(load(server, counts, tokens, offer, settle, "hubbub"))


def measure_bare(name: str, counts: list[int], offer: str | None, settle: float) -> dict[str, Any]:
    with bl.script_server(str(bl.HERE / "bare_servers.py"), name) as server:
        return asyncio.run(load(server, counts, None, offer, settle, name))


def print_row(name: str, r: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    cells = []
    for i, step in enumerate(r["steps"]):
        cell = f"{step['connections']:>6}: {step['kb_per_connection']:>6.1f} KiB"
        if baseline and baseline["steps"][i]["kb_per_connection"] > 0:
            cell += f" ({step['kb_per_connection'] / baseline['steps'][i]['kb_per_connection']:.2f}x)"
        cells.append(cell)
    parts = "  ".join(f"{s['connections']:>6}: anon {s['anon_kb_per_connection']:.1f} + file {s['file_kb_per_connection']:.1f}"
                      for s in r["steps"])
    print(f"{name:>20}  " + "  ".join(cells) + f"   [{r['negotiated'] or 'no compression'}]", flush=True)
    print(f"{'':>20}  {parts}", flush=True)


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--counts", default="1000,5000,15000", help="connection counts, ascending")
    p.add_argument("--bare", default="aiohttp", help=f"bare servers to compare, the first is the baseline "
                                                       f"(any of {','.join(NAMES)}; 'all' for every one)")
    p.add_argument("--no-offer", action="store_true", help="do not offer permessage-deflate (unlike browsers)")
    p.add_argument("--settle", type=float, default=2.0, help="seconds to wait before each RSS reading")
    p.add_argument("--hubbub-env", action="append", default=[], metavar="NAME=VALUE",
                   help="a setting for the Hubbub server, e.g. HUBBUB_WS_COMPRESSION=off (repeatable)")
    args = p.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    bare = list(NAMES) if args.bare == "all" else [b for b in args.bare.split(",") if b]
    limit = bl.raise_nofile()
    if counts[-1] + 100 > limit:
        sys.exit(f"{counts[-1]} connections need more file descriptors than the limit ({limit})")
    bl.install_uvloop()
    offer = None if args.no_offer else bl.BROWSER_DEFLATE
    env = dict(kv.split("=", 1) for kv in args.hubbub_env)

    results: dict[str, Any] = {"counts": counts, "offer": offer, "servers": {}}
    for name in bare:
        results["servers"][name] = measure_bare(name, counts, offer, args.settle)
        gc.collect()
    results["servers"]["hubbub"] = measure_hubbub(counts, offer, args.settle, env)
    results["hubbub_env"] = env
    baseline = results["servers"][bare[0]] if bare else None
    results["baseline"] = bare[0] if bare else None
    print(f"server RSS per idle connection (loader offering {offer or 'no compression'}); "
          f"ratio to {results['baseline']}:")
    for name, r in results["servers"].items():
        print_row(name, r, baseline)
    if baseline:
        results["hubbub_to_baseline"] = [
            round(h["kb_per_connection"] / b["kb_per_connection"], 3) if b["kb_per_connection"] > 0 else None
            for h, b in zip(results["servers"]["hubbub"]["steps"], baseline["steps"])]
        # the heap alone: Hubbub's file-backed part is SQLite's mmap, which follows the database's size
        results["hubbub_anon_to_baseline"] = [
            round(h["anon_kb_per_connection"] / b["anon_kb_per_connection"], 3) if b["anon_kb_per_connection"] > 0
            else None for h, b in zip(results["servers"]["hubbub"]["steps"], baseline["steps"])]
        print("hubbub/baseline, RSS: " + " ".join(f"{x:.2f}x" for x in results["hubbub_to_baseline"] if x)
              + "; anonymous part: " + " ".join(f"{x:.2f}x" for x in results["hubbub_anon_to_baseline"] if x))
    bl.finish(args, results, draw)


def draw(ax: Any, results: dict[str, Any]) -> None:
    for name, r in results["servers"].items():
        xs = [s["connections"] for s in r["steps"]]
        ax.plot(xs, [s["kb_per_connection"] for s in r["steps"]], marker="o", label=name)
    base = results.get("baseline")
    if base:
        xs = [s["connections"] for s in results["servers"][base]["steps"]]
        ax.plot(xs, [1.25 * s["kb_per_connection"] for s in results["servers"][base]["steps"]], linestyle="--",
                color="grey", label=f"1.25 x {base}")
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("idle authenticated connections")
    ax.set_ylabel("server RSS per connection (KiB)")
    ax.set_title("Memory per idle connection (loader offers permessage-deflate)")
    ax.legend()


if __name__ == "__main__":
    main()
