"""Fixtures for the end-to-end browser tests: Debian's headless Chromium driven by Playwright.

Tabs of one user are pages of one browser context; the peer is another context. The server is the
real one (the `server` fixture of tests/conftest.py). Never downloads a browser.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterator

import pytest

from tests.conftest import need_service

CHROMIUM = os.environ.get("HUBBUB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        # calls: a fake camera and microphone, granted without a prompt, playing without a gesture
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required"]

# Counts this page's WebSockets (created / open now) before any other script runs.
COUNT_SOCKETS = """
(() => {
  const Real = window.WebSocket;
  const counts = { created: 0, open: 0 };
  window.__ws = counts;
  function Counted(url, protocols) {
    const ws = protocols === undefined ? new Real(url) : new Real(url, protocols);
    counts.created++;
    let opened = false;
    ws.addEventListener('open', () => { opened = true; counts.open++; });
    ws.addEventListener('close', () => { if (opened) { opened = false; counts.open--; } });
    return ws;
  }
  Counted.prototype = Real.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Counted[k] = Real[k];
  window.WebSocket = Counted;
})();
"""

NO_LOCKS = "try { delete Navigator.prototype.locks; } catch (e) {} ; Object.defineProperty(navigator, 'locks', {value: undefined, configurable: true});"
NO_CHANNEL = "delete window.BroadcastChannel; window.BroadcastChannel = undefined;"


def wait_for(pred: Callable[[], Any], timeout: float = 10.0, what: str = "condition", every: float = 0.05) -> Any:
    """Polls pred() until it is truthy; fails with `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class Tab:
    """One page running the example app (/example)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def js(self, expr: str, arg: Any = None) -> Any:
        return self.page.evaluate(expr, arg)

    def online(self) -> bool:
        return bool(self.js("() => window.hubbubExample && hubbubExample.connection.at(-1) === MESIBO_STATUS_ONLINE"))

    def leader(self) -> bool:
        return bool(self.js("() => mesibo.isConnectionOwner()"))

    def tab_id(self) -> int:
        return int(self.js("() => mesibo.getTabId()"))

    def shown(self, prefix: str = "") -> list[str]:
        """Texts this tab has shown live or as its own sends (not re-reads of the store), in order."""
        return self.js("(p) => hubbubExample.shown.filter(s => s.how !== 'stored' && s.text.startsWith(p)).map(s => s.text)", prefix)

    def send(self, peer: str, text: str) -> int:
        return self.js("([p, t]) => sendText(p, t)", [peer, text])

    def sockets(self) -> dict[str, int]:
        return self.js("() => window.__ws")


class Harness:
    """A server, a browser, and helpers to open users' tabs."""

    def __init__(self, server: Any, browser: Any) -> None:
        self.server = server
        self.browser = browser
        self.contexts: list[Any] = []
        self.tokens: dict[str, str] = {}

    def context(self, init_scripts: tuple[str, ...] = ()) -> Any:
        ctx = self.browser.new_context()
        ctx.add_init_script(COUNT_SOCKETS)
        for s in init_scripts:
            ctx.add_init_script(s)
        self.contexts.append(ctx)
        return ctx

    def token(self, address: str) -> str:
        """One token per user, as an app hands the same login to all its tabs."""
        if address not in self.tokens:
            self.tokens[address] = self.server.token(address, "web")
        return self.tokens[address]

    def url(self, address: str, **extra: str) -> str:
        token = self.token(address)
        q = "&".join(f"{k}={v}" for k, v in extra.items())
        return f"{self.server.url}/example?token={token}&appid={self.server.appid}" + (f"&{q}" if q else "")

    def open(self, ctx: Any, address: str, n: int = 1, wait: bool = True, **extra: str) -> list[Tab]:
        url = self.url(address, **extra)
        tabs = []
        for _ in range(n):
            page = ctx.new_page()
            page.goto(url)
            tabs.append(Tab(page))
        if wait:
            wait_for(lambda: all(t.online() for t in tabs), 15, f"{n} tab(s) of {address} online")
        return tabs

    def connections_of(self, address: str) -> int:
        """Connections of `address` open at the server (read on its loop; /stats shows no addresses)."""
        async def count() -> int:
            return sum(1 for conns in self.server.hub.sessions.values() for s in conns.values()
                       if s.ident is not None and s.ident.address == address)
        return int(self.server.call(count()))

    def close(self) -> None:
        for c in self.contexts:
            try:
                c.close()
            except Exception:
                pass


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Module scope, not session: the sync Playwright API keeps an event loop running in this thread
    # while it is open, which the asyncio tests of other folders must not inherit.
    if not os.path.exists(CHROMIUM):
        need_service(f"{CHROMIUM} is missing (scripts/test.sh installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("the playwright Python package is missing")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def hub(server: Any, chromium: Any) -> Iterator[Harness]:
    h = Harness(server, chromium)
    try:
        yield h
    finally:
        h.close()
