"""1:1 messages through the server, persisted, with N senders and N receivers on loopback.

Prints deliveries per second at full speed and p50/p99 latency at a fixed rate (half Hubbub's full
speed by default) for three servers on the same load, each in a child process:

- hubbub: persisted, authenticated, acknowledged (SENT after the commit), resumable;
- relay: a bare relay on the `websockets` library (no persistence, no auth, no acknowledgements
  beyond an answer frame);
- socketio: python-socketio on the same uvicorn (uvloop), with Socket.IO acknowledgements, no
  persistence: what Python teams usually pick for this.

Each sender keeps up to 64 sends unanswered; events are acknowledged as Hubbub's clients do (one
cumulative ack per 100 events or 50 ms, `hubbub.client.acks`, as the SDK). Server CPU per delivery is the server process's CPU
time over the deliveries in the measuring window.

    python bench/bench_messages.py [--pairs 20] [--seconds 8] [--rate R] [--only hubbub,relay,socketio] [--repeat N]
                                   [--json out.json] [--plot latency.png]

One run's p99 at a load near saturation moves with what the machine's disk and other processes do;
`--repeat N` runs each server N times at each load, alternating, and reports the median run.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence

import websockets

import benchlib as bl

KINDS = ("hubbub", "relay", "socketio")
WINDOW = 64

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
        print(f"listening on http://127.0.0.1:{port}", flush=True)
        await asyncio.Future()
asyncio.run(main())
'''

Deliver = Callable[[str], None]
"""Called by a receiver with the stamp of each message it gets."""
Send = Callable[[int, str], Awaitable[None]]
"""send(n, stamp): send message n of a sender; returns once the window has room for it."""


# -- the servers ------------------------------------------------------------------------------------

def start(kind: str, tmp: Path, pairs: int) -> tuple[bl.ServerProcess, list[tuple[str, str]]]:
    if kind == "hubbub":
        names = [n for i in range(pairs) for n in (f"s{i}", f"r{i}")]
        tokens = bl.make_tokens(tmp / "data", names)
        return bl.hubbub_server(tmp / "data").start(), list(zip(tokens[::2], tokens[1::2]))
    if kind == "relay":
        server = bl.ServerProcess("", command=[sys.executable, "-c", RELAY], ready=r"listening on (http://\S+)")
    else:
        server = bl.script_server(bl.HERE / "socketio_server.py")
    return server.start(), [(f"s{i}", f"r{i}") for i in range(pairs)]


# -- one sender/receiver pair per protocol ----------------------------------------------------------

async def ws_pair(url: str, sender: str, receiver: str, to: str, deliver: Deliver,
                  receiver_url: str | None = None) -> tuple[Send, Callable[[], Awaitable[None]]]:
    """Hubbub's protocol (the relay speaks the same frames); the receiver on another node if given."""
    async def connect(token: str, url: str) -> Any:
        ws = await websockets.connect(url, max_size=2**22, compression=None)
        await ws.send(bl.auth_frame(token))
        welcome = json.loads(await ws.recv())
        assert welcome["t"] == "welcome", welcome
        return ws
    s, r = await connect(sender, url), await connect(receiver, receiver_url or url)
    credit = asyncio.Semaphore(WINDOW)

    def sender_of(ws: Any) -> Callable[[str], None]:
        async def send(text: str) -> None:
            try:
                await ws.send(text)
            except websockets.ConnectionClosed:
                pass
        return lambda text: asyncio.ensure_future(send(text))
    s_acks, r_acks = bl.Acker(sender_of(s)), bl.Acker(sender_of(r))

    async def answers() -> None:
        async for raw in s:
            if raw.startswith('{"t":"res"'):
                credit.release()
            elif raw.startswith('{"t":"events"'):  # its own sends and their receipts: acked as a client does
                at = raw.rindex('{"seq":') + 7
                s_acks.applied(int(raw[at:raw.index(",", at)]))

    async def events() -> None:
        async for raw in r:
            frame = json.loads(raw)
            if frame["t"] != "events":
                continue
            for e in frame["events"]:
                if e.get("k") == "msg":
                    deliver(e["message"])
            r_acks.applied(frame["events"][-1]["seq"])
    tasks = [asyncio.ensure_future(answers()), asyncio.ensure_future(events())]

    async def send(n: int, stamp: str) -> None:
        await credit.acquire()
        await s.send('{"t":"send","r":%d,"cid":"c%d","to":"%s","message":"%s"}' % (n, n, to, stamp))

    async def close() -> None:
        for t in tasks:
            t.cancel()
        s_acks.cancel()
        r_acks.cancel()
        await s.close()
        await r.close()
    return send, close


class SocketIO(bl.RawWS):
    """A Socket.IO client (Engine.IO 4 over WebSocket) on the raw loader: python-socketio's own client
    costs the loader several times what the server spends, and would measure the loader."""

    def __init__(self, host: str, path: str, offer: str | None) -> None:
        super().__init__(host, path, offer)
        self.acks: dict[int, Callable[[], None]] = {}
        self.deliver: Deliver | None = None
        self.next_id = 0

    def on_text(self, text: str) -> None:
        if text.startswith("43"):  # an acknowledgement: 43<id>[answer]
            end = text.index("[")
            done = self.acks.pop(int(text[2:end]), None)
            if done is not None:
                done()
        elif text.startswith('42["events"'):
            if self.deliver is not None:
                for e in json.loads(text[2:])[1]["events"]:
                    self.deliver(e["message"])
        elif text == "2":
            self.send("3")  # Engine.IO ping -> pong
        else:
            super().on_text(text)

    def emit(self, event: str, data: Any, done: Callable[[], None]) -> None:
        self.next_id += 1
        self.acks[self.next_id] = done
        self.send("42%d%s" % (self.next_id, json.dumps([event, data], separators=(",", ":"))))


async def socketio_pair(url: str, sender: str, receiver: str, to: str,
                        deliver: Deliver) -> tuple[Send, Callable[[], Awaitable[None]]]:
    async def connect(token: str) -> SocketIO:
        sio = await bl.open_ws(url.rsplit("/", 1)[0] + "/socket.io/?EIO=4&transport=websocket", None,
                               factory=SocketIO)
        assert (await sio.recv()).startswith("0{"), "no Engine.IO open packet"
        sio.send("40" + json.dumps({"token": token}))
        answer = await sio.recv()
        assert answer.startswith("40"), answer
        return sio
    s, r = await connect(sender), await connect(receiver)
    r.deliver = deliver
    credit = asyncio.Semaphore(WINDOW)

    async def send(n: int, stamp: str) -> None:
        await credit.acquire()
        s.emit("send", {"to": to, "cid": f"c{n}", "message": stamp}, credit.release)

    async def close() -> None:
        s.close()
        r.close()
    return send, close


# -- the load ---------------------------------------------------------------------------------------

async def run_load(kind: str, url: str | Sequence[tuple[str, str]], tokens: list[tuple[str, str]], seconds: float,
                   rate: float | None, probe: bl.CpuProbe, label: str) -> dict[str, Any]:
    """Each sender sends to its receiver, paced to `rate` in total (None: as fast as the window allows).

    `url` is the server's, or per pair the (sender's, receiver's) node; `probe` counts the CPU of
    the processes that serve the load (per group in `cpu_us_per_delivery`, their sum in
    `server_cpu_us_per_delivery`)."""
    pairs = len(tokens)
    latencies: list[float] = []
    delivered = 0

    def deliver(stamp: str) -> None:
        nonlocal delivered
        latencies.append(time.perf_counter() - float(stamp))
        delivered += 1

    opener = socketio_pair if kind == "socketio" else ws_pair
    links = []
    urls = [(url, url)] * pairs if isinstance(url, str) else list(url)
    for i, (s, r) in enumerate(tokens):
        to = f"r{i}" if kind == "hubbub" else r
        if urls[i][0] == urls[i][1]:
            links.append(await opener(urls[i][0], s, r, to, deliver))
        else:
            links.append(await ws_pair(urls[i][0], s, r, to, deliver, receiver_url=urls[i][1]))
    stop = asyncio.Event()

    async def sender(k: int, send: Send) -> None:
        n = 0
        interval = pairs / rate if rate else 0.0
        # paced senders start evenly spread over one interval: the load arrives as a steady stream,
        # as many independent users' messages do, not in bursts of one message per sender
        start = time.perf_counter() + k * interval / pairs
        while not stop.is_set():
            if interval:
                delay = start + n * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            await send(n, "%.9f" % time.perf_counter())
            n += 1

    tasks = [asyncio.ensure_future(sender(k, send)) for k, (send, _close) in enumerate(links)]
    await asyncio.sleep(1.0)  # warm up
    latencies.clear()
    base, t0 = delivered, time.perf_counter()
    probe.start()
    progress = bl.Progress(label, int(seconds * 10))
    for _ in range(int(seconds * 10)):
        await asyncio.sleep(0.1)
        progress.advance()
    count, elapsed = delivered - base, time.perf_counter() - t0
    cpus = probe.stop()
    cpu = sum(cpus.values())
    sample = sorted(latencies)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for _send, close in links:
        try:
            await close()
        except Exception:
            pass
    return {"deliveries_per_s": round(count / elapsed, 1),
            "p50_ms": bl.ms(bl.pct(sample, 50)), "p99_ms": bl.ms(bl.pct(sample, 99)),
            "samples": len(sample),
            "latency_cdf_ms": [round(1000 * sample[int(q * (len(sample) - 1))], 3) for q in
                               [i / 100 for i in range(101)]] if sample else [],
            "server_cpu_us_per_delivery": round(1e6 * cpu / count, 1) if count else None,
            "cpu_us_per_delivery": {k: round(1e6 * v / count, 1) if count else None for k, v in cpus.items()},
            "server_cpu_percent": round(100 * cpu / elapsed, 1)}


def measure(kind: str, pairs: int, seconds: float, rate: float | None) -> dict[str, Any]:
    with bl.tempdir() as tmp:
        server, tokens = start(kind, Path(tmp), pairs)
        try:
            label = f"{kind} " + (f"at {rate:.0f}/s" if rate else "at full speed")
            probe = bl.CpuProbe({"server": lambda: bl.process_tree(server.pid)})
            return asyncio.run(run_load(kind, server.ws_url, tokens, seconds, rate, probe, label))
        finally:
            server.stop()


def median_run(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The run whose `key` is the median (the lower of the middle two for an even count), so that
    every figure reported is one run's; with the key of each run beside it."""
    ordered = sorted(runs, key=lambda r: r[key] if r[key] is not None else float("inf"))
    median = ordered[(len(ordered) - 1) // 2]
    return {**median, f"{key}_of_each_run": [r[key] for r in runs]} if len(runs) > 1 else median


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--pairs", type=int, default=20, help="sender/receiver pairs")
    p.add_argument("--seconds", type=float, default=8.0, help="measuring time per run")
    p.add_argument("--rate", type=float, help="messages/s for the latency run (default: half Hubbub's full speed)")
    p.add_argument("--only", default=",".join(KINDS), help="servers to run (hubbub first sets the rate)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs of each server at each load, alternating; each figure is the median run's")
    args = p.parse_args()
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    kinds = [k for k in args.only.split(",") if k]
    bl.install_uvloop()

    def alternating(rate: float | None) -> dict[str, list[dict[str, Any]]]:
        """--repeat runs of each server at this load, taking turns: a drift of the machine's load
        reaches every server."""
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):
            for kind in kinds:
                runs[kind].append(measure(kind, args.pairs, args.seconds, rate))
        return runs

    results: dict[str, Any] = {"pairs": args.pairs, "seconds": args.seconds, "repeat": args.repeat}
    fulls = alternating(None)
    full = {kind: median_run(fulls[kind], "deliveries_per_s") for kind in kinds}
    rate = args.rate or full[kinds[0]]["deliveries_per_s"] / 2  # the same paced load for all
    paceds = alternating(rate)
    for kind in kinds:
        paced = median_run(paceds[kind], "p99_ms")
        results[kind] = {"full_speed": full[kind], "paced": {"rate": round(rate, 1), **paced}}
        each = f" (median of {args.repeat}; p99 of each: {paced['p99_ms_of_each_run']})" if args.repeat > 1 else ""
        print(f"{kind:>8}: {full[kind]['deliveries_per_s']:>9.1f} deliveries/s at full speed "
              f"(p50 {full[kind]['p50_ms']} ms, p99 {full[kind]['p99_ms']} ms, server CPU "
              f"{full[kind]['server_cpu_us_per_delivery']} us/delivery); at {rate:.0f}/s: "
              f"p50 {paced['p50_ms']} ms, p99 {paced['p99_ms']} ms, server CPU {paced['server_cpu_percent']}% "
              f"({paced['server_cpu_us_per_delivery']} us/delivery){each}", flush=True)
    if "hubbub" in results:
        hub = results["hubbub"]
        for other in [k for k in kinds if k != "hubbub"]:
            o = results[other]
            ratios = {"full_speed_rate": hub["full_speed"]["deliveries_per_s"] / (o["full_speed"]["deliveries_per_s"] or 1),
                      "paced_cpu_per_delivery": (hub["paced"]["server_cpu_us_per_delivery"] or 0)
                      / (o["paced"]["server_cpu_us_per_delivery"] or 1),
                      "paced_p99": (hub["paced"]["p99_ms"] or 0) / (o["paced"]["p99_ms"] or 1)}
            results[f"hubbub_to_{other}"] = {k: round(v, 3) for k, v in ratios.items()}
            print(f"hubbub/{other}: full-speed rate {ratios['full_speed_rate']:.2f}, paced CPU per delivery "
                  f"{ratios['paced_cpu_per_delivery']:.2f}, paced p99 {ratios['paced_p99']:.2f}")
        if "relay" in results:
            results["ratio_hubbub_to_relay"] = results["hubbub_to_relay"]["full_speed_rate"]
    bl.finish(args, results, draw)


def draw(ax: Any, results: dict[str, Any]) -> None:
    for kind in KINDS:
        if kind in results and results[kind]["paced"]["latency_cdf_ms"]:
            cdf = results[kind]["paced"]["latency_cdf_ms"]
            ax.plot(cdf, [i / 100 for i in range(len(cdf))], label=kind)
    rate = next(results[k]["paced"]["rate"] for k in KINDS if k in results)
    ax.set_xscale("log")
    ax.set_xlabel("latency, ms (log)")
    ax.set_ylabel("fraction of messages")
    ax.set_title(f"1:1 latency at {rate:.0f} messages/s, {results['pairs']} pairs")
    ax.legend()


if __name__ == "__main__":
    main()
