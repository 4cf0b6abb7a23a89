"""Files in Chromium: a picture sent from a follower tab reaches every tab of both users, uploaded once;
an upload cut off ends FAIL and can be resent; a profile picture reaches a subscriber with its thumbnail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..files.images import png
from .conftest import Harness, Tab, wait_for

pytestmark = pytest.mark.timeout(120)

# Every page shows each picture message once (one object per message, as mesibo apps keep them):
# incoming ones, the other tabs' sends and this tab's own (echoed at send, with a provisional mid that
# becomes the server's) from Mesibo_onMessage; a status callback shows one whose file was not ready.
RENDER = """
window.__pics = {}; window.__status = [];
window.addEventListener('DOMContentLoaded', () => {
  const hook = () => {
    if (!window.mesibo) return setTimeout(hook, 5);
    const seen = new WeakSet();
    let n = 0;
    const show = (m) => {
      if (!m.hasImage() || !m.mid || seen.has(m)) return;
      seen.add(m);
      const img = new Image();
      document.body.appendChild(img);
      window.__pics[++n] = img;
      m.file.loadImageFromCache(img);
    };
    mesibo.addListener({
      Mesibo_onMessage: show,
      Mesibo_onMessageStatus: (m) => { window.__status.push(m.status); show(m); },
    });
  };
  hook();
});
"""

PICK = """() => { const i = document.createElement('input'); i.type = 'file'; i.id = 'pick';
                   document.body.appendChild(i); }"""


def shown(t: Tab) -> list[int]:
    return t.js("() => Object.values(window.__pics).filter(i => i.complete && i.naturalWidth > 0).map(i => i.naturalWidth)")


def uploads_of(tabs: list[Tab]) -> list[str]:
    seen: list[str] = []
    for t in tabs:
        t.page.on("request", lambda r: seen.append(r.url) if "/files/upload" in r.url else None)
    return seen


def test_picture_from_a_follower_tab_shows_in_all_five_tabs_uploaded_once(hub: Harness, tmp_path: Path) -> None:
    pic = tmp_path / "red.png"
    pic.write_bytes(png(120, 80))
    alice = hub.open(hub.context((RENDER,)), "alice", 3)
    bob = hub.open(hub.context((RENDER,)), "bob", 2)
    uploads = uploads_of(alice + bob)
    sender = next(t for t in alice if not t.leader())
    sender.js(PICK)
    sender.page.set_input_files("#pick", str(pic))
    sender.js("""() => { const m = mesibo.getProfile('bob').newMessage(); m.message = 'look';
                         m.setContent('pick'); window.__sent = m; m.send(); }""")
    wait_for(lambda: all(shown(t) == [120] for t in alice + bob), 30, "the picture in all five tabs")
    assert len(uploads) == 1, uploads
    thumb = bob[1].js("""() => new Promise(res => { const rs = mesibo.getProfile('alice').createReadSession({
        Mesibo_onMessage: (m) => res([m.hasThumbnail(), m.getThumbnail().slice(0, 22), m.getFileName(), m.filetype,
                                      m.getMimeType(), m.isRichMessage()]) }); rs.read(10); })""")
    assert thumb == [True, "data:image/jpeg;base64", "red.png", 1, "image/png", True]
    assert all(not t.errors for t in alice + bob), [t.errors for t in alice + bob]


def test_an_upload_cut_off_ends_fail_and_can_be_resent(hub: Harness, tmp_path: Path) -> None:
    pic = tmp_path / "blue.png"
    pic.write_bytes(png(90, 60, (0, 0, 200)))
    [alice] = hub.open(hub.context((RENDER,)), "alice", 1)
    [bob] = hub.open(hub.context((RENDER,)), "bob", 1)
    alice.page.route("**/files/upload**", lambda route: route.abort("internetdisconnected"))
    alice.js(PICK)
    alice.page.set_input_files("#pick", str(pic))
    alice.js("""() => { const m = mesibo.getProfile('bob').newMessage(); m.setContent('pick');
                        window.__sent = m; m.send(); }""")
    wait_for(lambda: alice.js("() => window.__sent.status") == 0x80, 15, "status FAIL")
    assert alice.js("() => window.__sent.isFailed() && window.__sent.file.status") == 3  # MESIBO_FILESTATUS_FAILED
    alice.page.unroute("**/files/upload**")
    alice.js("() => window.__sent.resend()")
    wait_for(lambda: shown(bob) == [90] and shown(alice) == [90], 20, "the resent picture on both sides")


def test_a_profile_picture_reaches_a_subscriber_with_its_thumbnail(hub: Harness, tmp_path: Path) -> None:
    pic = tmp_path / "me.png"
    pic.write_bytes(png(200, 100, (0, 150, 0)))
    [alice] = hub.open(hub.context(), "alice", 1)
    [bob] = hub.open(hub.context(), "bob", 1)
    bob.js("""() => { window.__prof = null; mesibo.addListener({ Mesibo_onProfileUpdated: (p) => {
        if (p.getAddress() === 'alice' && !p.getImage().isEmpty()) window.__prof = p; } });
        return mesibo.getProfile('alice').subscribe(true); }""")
    alice.js(PICK)
    alice.page.set_input_files("#pick", str(pic))
    res: Any = alice.js("""() => { const p = mesibo.getSelfProfile(); p.setImage('pick', 0); return p.save(); }""")
    assert res["ok"], res
    wait_for(lambda: bob.js("() => !!window.__prof"), 15, "alice's picture at bob")
    thumb = bob.js("() => window.__prof.getImage().getThumbnail()")
    assert thumb.startswith("data:image/jpeg;base64,")
    width = bob.js("""() => new Promise(res => { const p = window.__prof; const go = () => {
        const u = p.getImage().getUrl(); if (!u) return setTimeout(go, 50);
        const img = new Image(); img.onload = () => res(img.naturalWidth); img.onerror = () => res(-1); img.src = u; }; go(); })""")
    assert width == 200
