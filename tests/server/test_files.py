"""Files through the real server: upload, signed download, permissions, limits, hostile pictures, collection."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hubbub.client import Client, FileTransferError
from hubbub.protocol.constants import FileType

from ..client.test_client import collect, fast
from ..files.images import jpeg, png, png_bomb, truncated_jpeg

pytestmark = pytest.mark.timeout(60)


def other_app_token(server: Any, address: str) -> tuple[str, str]:
    """A token of a user with the same address in a second app (and that app's appid)."""
    async def issue() -> str:
        app, _ = await server.admin.create_app("other")
        user = await server.admin.add_user(app, address)
        return await server.admin.issue_token(user, "com.example.other", "dev1")
    return server.call(issue()), "com.example.other"


def uid_of(server: Any, address: str) -> int:
    async def look() -> int:
        app = await server.admin.app_named(server.app_name)
        return int((await server.admin.user(app, address)).uid)
    return int(server.call(look()))


def blobs(server: Any) -> list[Path]:
    root = server.settings.data_path / "files"
    return [p for p in root.glob("??/*") if p.is_file()]


async def test_send_a_picture_and_fetch_it_with_range_etag_and_cache(server: Any) -> None:
    picture = jpeg(640, 480)
    async with fast(server, server.token("alice")) as alice, fast(server, server.token("bob")) as bob:
        seen: list[tuple[int, int]] = []
        res = await alice.send_file("bob", picture, "look", name="sky.jpg", progress=lambda d, t: seen.append((d, t)))
        assert res["status"] == 1 and seen[0] == (0, len(picture)) and seen[-1] == (len(picture), len(picture))
        [msg] = await collect(bob, 1)
        file = msg["file"]
        assert file["name"] == "sky.jpg" and file["size"] == len(picture) and file["mime"] == "image/jpeg"
        assert file["type"] == FileType.IMAGE and (file["width"], file["height"]) == (640, 480)
        assert file["thumb"].startswith("data:image/jpeg;base64,") and len(file["thumb"]) < 12000
        got: list[int] = []
        assert await bob.fetch_file(file, progress=lambda d, t: got.append(d)) == picture
        assert got[-1] == len(picture)
        [own] = await collect(alice, 1)  # the sender's log (other devices) carries the same file
        assert own["file"]["id"] == file["id"]

        url = await bob.files.url(file["id"])
        async with httpx.AsyncClient() as http:
            full = await http.get(url)
            assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
            assert full.headers["etag"] == f'"{file["id"]}"' and "max-age" in full.headers["cache-control"]
            part = await http.get(url, headers={"Range": "bytes=10-19"})
            assert part.status_code == 206 and part.content == picture[10:20]
            assert part.headers["content-range"] == f"bytes 10-19/{len(picture)}"
            again = await http.get(url, headers={"If-None-Match": full.headers["etag"]})
            assert again.status_code == 304


async def test_a_file_downloads_to_a_path(server: Any, tmp_path: Path) -> None:
    data = bytes(range(256)) * 4000
    src = tmp_path / "notes.bin"
    src.write_bytes(data)
    async with fast(server, server.token("alice")) as alice, fast(server, server.token("bob")) as bob:
        res = await alice.send_file("bob", src)
        assert res["file"]["name"] == "notes.bin" and res["file"]["type"] == FileType.OTHER
        [msg] = await collect(bob, 1)
        out = await bob.fetch_file(msg["file"], tmp_path / "copy.bin")
        assert Path(out).read_bytes() == data


async def test_every_denial_of_the_permission_rule(server: Any) -> None:
    carol_token = server.token("carol")
    other_token, other_appid = other_app_token(server, "bob")
    async with fast(server, server.token("alice")) as alice, fast(server, server.token("bob")) as bob, \
            fast(server, server.token("dave")) as dave, fast(server, carol_token) as carol:
        direct = (await alice.send_file("bob", png(), name="a.png"))["file"]["id"]
        # outsider of the same app
        assert (await carol.files.urls([direct]))["denied"] == [direct]
        with pytest.raises(FileTransferError) as err:
            await carol.fetch_file(direct)
        assert err.value.status == 403
        # an outsider cannot attach someone else's file to a message of its own either
        with pytest.raises(Exception) as attach:
            await carol.send("dave", "mine now", file={"id": direct})
        assert "NOTFOUND" in str(attach.value)
        # a user of another app, even with the same address as the recipient
        other = Client(server.ws_url, other_token, other_appid)
        assert (await other.files.urls([direct]))["denied"] == [direct]
        # a removed group member: not a member when the file was sent
        gid = (await alice.request("group_create", name="g", members=["bob", "dave"]))["gid"]
        await alice.request("group_members", gid=gid, remove=["dave"])
        in_group = (await alice.send_file("", png(color=(1, 2, 3)), gid=gid, name="g.png"))["file"]["id"]
        assert (await dave.files.urls([in_group]))["denied"] == [in_group]
        assert in_group in (await bob.files.urls([in_group]))["urls"]

        files = server.threaded.app.state.files
        bob_uid, carol_uid = uid_of(server, "bob"), uid_of(server, "carol")
        base = server.url
        async with httpx.AsyncClient() as http:
            # expired URL: a genuine signature whose time has passed
            past = int(time.time()) - 1
            r = await http.get(f"{base}/files/{direct}?{files.signer.sign(direct, bob_uid, past)}")
            assert r.status_code == 403 and r.json()["error"] == "EXPIRED"
            # tampered signature, and a genuine URL moved to another user or another file
            good = await bob.files.url(direct)
            r = await http.get(good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"))
            assert r.status_code == 403 and r.json()["error"] == "FORBIDDEN"
            r = await http.get(good.replace(f"u={bob_uid}&", f"u={carol_uid}&"))
            assert r.status_code == 403
            r = await http.get(good.replace(direct, in_group))
            assert r.status_code == 403
            assert (await http.get(good)).status_code == 200
            # uploads and URL requests need the user's token
            r = await http.post(f"{base}/files/upload", content=b"x")
            assert r.status_code == 401 and r.json()["error"] == "AUTHFAIL"
            r = await http.post(f"{base}/files/sign", json={"ids": [direct]},
                                headers={"Authorization": "Bearer nope", "X-Appid": server.appid})
            assert r.status_code == 401


@pytest.mark.settings(max_upload_bytes=1000)
async def test_the_size_limit_at_its_edge(server: Any) -> None:
    async with fast(server, server.token("alice")) as alice:
        ok = await alice.files.upload(b"a" * 1000, "edge.txt")
        assert ok["size"] == 1000
        with pytest.raises(FileTransferError) as err:
            await alice.files.upload(b"a" * 1001, "over.txt")
        assert err.value.status == 413 and err.value.code == "TOOBIG"
        headers = {"Authorization": f"Bearer {alice.token}", "X-Appid": server.appid}

        async def chunked() -> Any:  # no Content-Length: refused while streaming
            for _ in range(5):
                yield b"b" * 300
        async with httpx.AsyncClient() as http:
            r = await http.post(f"{server.url}/files/upload", content=chunked(), headers=headers)
            assert r.status_code == 413 and "max_upload_bytes" in r.json()["reason"]
            # a declared length over the limit is refused before the body is read
            r = await http.post(f"{server.url}/files/upload", content=b"c" * 1001, headers=headers)
            assert r.status_code == 413
        assert len(blobs(server)) == 1 and not list((server.settings.data_path / "files" / "tmp").iterdir())


async def test_a_decompression_bomb_and_a_truncated_picture_are_refused(server: Any) -> None:
    async with fast(server, server.token("alice")) as alice:
        with pytest.raises(FileTransferError) as bomb:
            await alice.files.upload(png_bomb(), "bomb.png")
        assert bomb.value.status == 422 and bomb.value.code == "BADIMAGE" and "bomb" in bomb.value.reason
        with pytest.raises(FileTransferError) as cut:
            await alice.files.upload(truncated_jpeg(), "cut.jpg")
        assert cut.value.status == 422 and "truncated" in cut.value.reason
        with pytest.raises(FileTransferError) as fake:  # a picture's name, other bytes
            await alice.files.upload(b"just some text, not a picture", "cat.png")
        assert fake.value.code == "BADIMAGE" and "not a picture" in fake.value.reason
        renamed = await alice.files.upload(png(), "really-a-png.jpg")  # type from the bytes, not the name
        assert renamed["mime"] == "image/png" and renamed["width"] == 64
        assert await alice.ping() > 0


@pytest.mark.settings(max_image_bytes=100_000)
async def test_a_picture_over_the_decode_limit_is_refused_at_its_edge(server: Any) -> None:
    async with fast(server, server.token("alice")) as alice:
        ok = await alice.files.upload(png(100, 333), "fits.png")  # 100*333*3 = 99,900 bytes decoded
        assert ok["height"] == 333
        with pytest.raises(FileTransferError) as err:
            await alice.files.upload(png(100, 334), "over.png")  # 100,200 bytes
        assert err.value.status == 422 and "max_image_bytes" in err.value.reason


async def test_the_same_bytes_uploaded_twice_are_stored_once(server: Any) -> None:
    data = b"identical bytes " * 1000
    async with fast(server, server.token("alice")) as alice, fast(server, server.token("bob")) as bob:
        a = await alice.files.upload(data, "one.txt")
        b = await bob.files.upload(data, "two.txt")
        assert a["id"] == b["id"]
        assert len(blobs(server)) == 1 and blobs(server)[0].read_bytes() == data


@pytest.mark.settings(file_grace=1, file_sweep_interval=0.2)
async def test_files_of_recalled_messages_and_unattached_uploads_go_after_the_grace_period(server: Any) -> None:
    async with fast(server, server.token("alice")) as alice, fast(server, server.token("bob")) as bob:
        recalled = await alice.send_file("bob", png(color=(9, 9, 9)), name="oops.png")
        kept = await alice.send_file("bob", png(color=(7, 7, 7)), name="keep.png")
        loose = await alice.files.upload(b"never attached")
        await alice.request("recall", mid=recalled["mid"])
        store = server.settings.data_path / "files"
        ids = {recalled["file"]["id"], kept["file"]["id"], loose["id"]}
        assert {p.name for p in blobs(server)} == ids
        deadline = time.monotonic() + 15
        while {p.name for p in blobs(server)} != {kept["file"]["id"]} and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert {p.name for p in blobs(server)} == {kept["file"]["id"]}, list(store.rglob("*"))
        assert (await bob.files.urls([recalled["file"]["id"]]))["denied"] == [recalled["file"]["id"]]
        assert await bob.fetch_file(kept["file"]) == png(color=(7, 7, 7))


async def test_a_profile_picture_reaches_subscribers_and_users_of_the_app_only(server: Any) -> None:
    other_token, other_appid = other_app_token(server, "zed")
    async with fast(server, server.token("alice")) as alice, fast(server, server.token("bob")) as bob:
        await bob.request("subscribe", address="alice")
        pic = await alice.files.upload(png(300, 200), "me.png", image=True)
        await alice.request("profile", picture=pic["id"])
        [ev] = await collect(bob, 1, k="profile")
        assert ev["picture"] == pic["id"] and ev["thumb"].startswith("data:image/jpeg")
        [p] = (await bob.request("profiles", addresses=["alice"]))["profiles"]
        assert p["picture"] == pic["id"] and p["thumb"] == ev["thumb"]
        assert await bob.fetch_file(pic["id"]) == png(300, 200)
        other = Client(server.ws_url, other_token, other_appid)
        assert (await other.files.urls([pic["id"]]))["denied"] == [pic["id"]]
        with pytest.raises(Exception) as bad:  # a profile picture must be a picture
            await alice.request("profile", picture=(await alice.files.upload(b"text file"))["id"])
        assert "image" in str(bad.value)


async def test_an_upload_cut_off_leaves_nothing_behind(server: Any) -> None:
    token = server.token("alice")
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write((f"POST /files/upload?name=part.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                  f"X-Appid: {server.appid}\r\nContent-Length: 1000000\r\n\r\n").encode() + b"x" * 200_000)
    await writer.drain()
    tmp = server.settings.data_path / "files" / "tmp"
    deadline = time.monotonic() + 10
    while not list(tmp.iterdir()) and time.monotonic() < deadline:  # the upload has begun
        await asyncio.sleep(0.05)
    assert list(tmp.iterdir()), "the upload never started"
    writer.close()
    while list(tmp.iterdir()) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not list(tmp.iterdir()) and blobs(server) == []
    async with fast(server, token) as alice:  # and the server carries on
        assert (await alice.files.upload(b"whole", "whole.txt"))["size"] == 5
