"""1:1 messages through the server, persisted, with N senders and N receivers on loopback.

Prints deliveries per second at full speed and p50/p99 latency at a fixed rate (half the full
speed by default), for Hubbub and for a bare relay built on the `websockets` library (no
persistence, no auth) running the same workload, and the ratio between them.

    python bench/bench_messages.py [--pairs 20] [--seconds 10] [--json out.json]

The server runs in a subprocess (its own core); the load generator is this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets

from hubbub.server.process import ServerProcess, hubbub_cli

APPID = "com.example.bench"


# -- the two servers --------------------------------------------------------------------------------

def start_hubbub(data: Path, pairs: int) -> tuple[ServerProcess, list[tuple[str, str]]]:
    hubbub_cli("app", "create", "bench", "--data-dir", str(data))
    tokens = []
    for i in range(pairs):
        s = hubbub_cli("user", "add", f"s{i}", "--app", "bench", "--appid", APPID, "--data-dir", str(data))
        r = hubbub_cli("user", "add", f"r{i}", "--app", "bench", "--appid", APPID, "--data-dir", str(data))
        tokens.append((s, r))
    server = ServerProcess(data, {"HUBBUB_RATE_LIMIT": "1000000", "HUBBUB_RATE_BURST": "1000000"})
    return server.start(), tokens


RELAY = r'''
import asyncio, json, sys, functools
json.dumps = functools.partial(json.dumps, separators=(",", ":"))
from websockets.asyncio.server import serve
peers = {}
async def handler(ws):
    auth = json.loads(await ws.recv())
    me = auth["token"]; peers[me] = ws; seq = 0
    await ws.send(json.dumps({"t": "welcome", "after": 0}))
    try:
        async for raw in ws:
            f = json.loads(raw)
            if f["t"] == "send":
                seq += 1
                await ws.send(json.dumps({"t": "res", "r": f["r"], "ok": True, "cid": f["cid"], "status": 1}))
                peer = peers.get(f["to"])
                if peer is not None:
                    await peer.send(json.dumps({"t": "events", "events": [{"seq": seq, "k": "msg", "message": f["message"]}]}))
    finally:
        peers.pop(me, None)
async def main():
    async with serve(handler, "127.0.0.1", 0, max_size=65536) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"relay on http://127.0.0.1:{port}", flush=True)
        await asyncio.Future()
asyncio.run(main())
'''


def start_relay(pairs: int) -> tuple[ServerProcess, list[tuple[str, str]]]:
    server = ServerProcess("", command=[sys.executable, "-c", RELAY], ready=r"relay on (http://\S+)")
    return server.start(), [(f"s{i}", f"r{i}") for i in range(pairs)]


# -- the load generator -----------------------------------------------------------------------------

async def connect(url: str, token: str) -> Any:
    ws = await websockets.connect(url, max_size=2**22, compression=None)
    await ws.send(json.dumps({"t": "auth", "v": 1, "token": token, "appid": APPID}))
    welcome = json.loads(await ws.recv())
    assert welcome["t"] == "welcome", welcome
    return ws


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_load(url: str, tokens: list[tuple[str, str]], seconds: float, rate: float | None,
                   to_address: bool, server_pid: int) -> dict[str, Any]:
    """Each sender sends to its receiver, paced to `rate` in total (None: as fast as the window allows)."""
    pairs = len(tokens)
    senders = [await connect(url, s) for s, _ in tokens]
    receivers = [await connect(url, r) for _, r in tokens]
    latencies: list[float] = []
    delivered = 0
    stop = asyncio.Event()
    window = 64

    async def receive(i: int) -> None:
        nonlocal delivered
        ws = receivers[i]
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["t"] != "events":
                    continue
                now = time.perf_counter()
                for e in frame["events"]:
                    if e.get("k") == "msg":
                        latencies.append(now - float(e["message"]))
                        delivered += 1
                await ws.send('{"t":"ack","seq":%d}' % frame["events"][-1]["seq"])
        except websockets.ConnectionClosed:
            pass

    async def send(i: int) -> None:
        ws = senders[i]
        credit = asyncio.Semaphore(window)
        to = f"r{i}" if to_address else tokens[i][1]

        async def answers() -> None:
            try:
                async for raw in ws:
                    if raw.startswith('{"t":"res"'):
                        credit.release()
            except websockets.ConnectionClosed:
                pass

        reader = asyncio.ensure_future(answers())
        n = 0
        start = time.perf_counter()
        interval = pairs / rate if rate else 0.0
        while not stop.is_set():
            if interval:
                due = start + n * interval
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            await credit.acquire()
            await ws.send('{"t":"send","r":%d,"cid":"c%d","to":"%s","message":"%.9f"}' % (n, n, to, time.perf_counter()))
            n += 1
        reader.cancel()

    tasks = [asyncio.ensure_future(receive(i)) for i in range(pairs)]
    tasks += [asyncio.ensure_future(send(i)) for i in range(pairs)]
    await asyncio.sleep(1.0)  # warm up
    latencies.clear()
    base, t0, cpu0 = delivered, time.perf_counter(), cpu_seconds(server_pid)
    await asyncio.sleep(seconds)
    count, elapsed = delivered - base, time.perf_counter() - t0
    cpu = cpu_seconds(server_pid) - cpu0
    sample = sorted(latencies)
    stop.set()
    for ws in senders + receivers:
        await ws.close()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"deliveries_per_s": round(count / elapsed, 1),
            "p50_ms": round(1000 * statistics.median(sample), 2) if sample else None,
            "p99_ms": round(1000 * sample[int(len(sample) * 0.99) - 1], 2) if sample else None,
            "samples": len(sample),
            "server_cpu_us_per_delivery": round(1e6 * cpu / count, 1) if count else None,
            "server_cpu_percent": round(100 * cpu / elapsed, 1)}


def measure(kind: str, pairs: int, seconds: float, rate: float | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "hubbub":
            server, tokens = start_hubbub(Path(tmp) / "data", pairs)
        else:
            server, tokens = start_relay(pairs)
        try:
            return asyncio.run(run_load(server.ws_url, tokens, seconds, rate, to_address=kind == "hubbub",
                                        server_pid=server.pid))
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20, help="sender/receiver pairs")
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring time per run")
    parser.add_argument("--rate", type=float, help="messages/s for the latency run (default: half the full speed)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass

    results: dict[str, Any] = {"pairs": args.pairs, "seconds": args.seconds, "cores": os.cpu_count()}
    full = {kind: measure(kind, args.pairs, args.seconds, None) for kind in ("hubbub", "relay")}
    rate = args.rate or full["hubbub"]["deliveries_per_s"] / 2  # the same paced load for both
    for kind in ("hubbub", "relay"):
        paced = measure(kind, args.pairs, args.seconds, rate)
        results[kind] = {"full_speed": full[kind], "paced": {"rate": round(rate, 1), **paced}}
        print(f"{kind:>6}: {full[kind]['deliveries_per_s']:>9.1f} deliveries/s at full speed "
              f"(p50 {full[kind]['p50_ms']} ms, p99 {full[kind]['p99_ms']} ms, server CPU "
              f"{full[kind]['server_cpu_us_per_delivery']} us/delivery); at {rate:.0f}/s: "
              f"p50 {paced['p50_ms']} ms, p99 {paced['p99_ms']} ms, server CPU {paced['server_cpu_percent']}% "
              f"({paced['server_cpu_us_per_delivery']} us/delivery)", flush=True)
    ratio = results["hubbub"]["full_speed"]["deliveries_per_s"] / results["relay"]["full_speed"]["deliveries_per_s"]
    results["ratio_hubbub_to_relay"] = round(ratio, 3)
    print(f"ratio hubbub/relay (full speed): {ratio:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
