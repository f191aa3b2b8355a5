"""datasets/fetch.py (``make data``) against a local HTTP server: resume, checks, atomic placement, offline.

No test touches the real network: the server runs in a thread on 127.0.0.1 and serves the
bundled TinyStories sample under the upstream file names.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import ROOT

SCRIPT = ROOT / "datasets" / "fetch.py"
VALID = (ROOT / "datasets" / "tinystories" / "valid-sample.txt").read_bytes()


def _load_fetch():
    spec = importlib.util.spec_from_file_location("scratchgpt_datasets_fetch", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fetch = _load_fetch()


class FileServer:
    """Serves ``files`` ({name: bytes}) over HTTP, recording every request.

    mode ``range``: honours ``Range: bytes=N-`` (206, or 416 past the end);
    ``redirect``: like the Hugging Face hub, answers ``/resolve/NAME`` with a 302 to
    ``/cdn/NAME`` that carries ``X-Linked-Size`` and ``X-Linked-Etag``;
    ``ignore-range``: always the whole file with 200;
    ``truncate``: the first answer for each file stops after ``cut`` bytes and closes;
    ``bad-sha``: an ETag stating a wrong SHA-256;
    ``wrong-length``: sends the file minus its last 100 bytes while announcing the full size.
    """

    def __init__(self, files: dict[str, bytes], mode: str = "range", *, cut: int = 300_000, etag: bool = True):
        self.files, self.mode, self.cut, self.etag = files, mode, cut, etag
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.sent: dict[str, int] = {}  # body bytes sent per file name
        self.before_last_block = None  # called with the file name just before its last bytes go out
        self._answered: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_GET(self):
                server.handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client that hung up is part of the tests
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/resolve" if self.mode == "redirect" else f"http://{host}:{port}/files"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def ranges(self, name: str) -> list[str | None]:
        return [r for p, r in self.requests if p.endswith("/" + name)]

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        self.requests.append((h.path, h.headers.get("Range")))
        name = h.path.rsplit("/", 1)[-1]
        data = self.files.get(name)
        if data is None:
            h.send_error(404)
            return
        sha = hashlib.sha256(data).hexdigest()
        if self.mode == "redirect" and h.path.startswith("/resolve/"):
            h.send_response(302)
            h.send_header("Location", f"/cdn/{name}")
            h.send_header("X-Linked-Size", str(len(data)))
            h.send_header("X-Linked-Etag", f'"{sha}"')
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        announced = len(data)
        if self.mode == "wrong-length":
            data = data[:-100]
        if self.mode == "bad-sha":
            sha = hashlib.sha256(b"another file").hexdigest()
        start = 0
        m = re.fullmatch(r"bytes=(\d+)-", h.headers.get("Range") or "")
        if m and self.mode != "ignore-range":
            start = int(m.group(1))
            if start >= len(data):
                h.send_response(416)
                h.send_header("Content-Range", f"bytes */{len(data)}")
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            h.send_response(200)
        body = data[start:]
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Content-Type", "text/plain")
        if self.mode == "wrong-length":
            h.send_header("X-Linked-Size", str(announced))
        if self.etag and self.mode != "redirect":
            h.send_header("ETag", f'"{sha}"')
        h.end_headers()
        if self.mode == "truncate" and name not in self._answered:
            body = body[: self.cut]
        self._answered.add(name)
        step = 64 * 1024
        for i in range(0, len(body), step):
            if i + step >= len(body) and self.before_last_block:
                self.before_last_block(name)
            h.wfile.write(body[i:i + step])
            self.sent[name] = self.sent.get(name, 0) + len(body[i:i + step])
        h.wfile.flush()
        h.close_connection = True


def run_main(server_url: str, dest: Path, *extra: str) -> int:
    return fetch.main(["--url-base", server_url, "--dest", str(dest), "--only", "valid", "--timeout", "5",
                       "--retry-wait", "0", "--no-progress", *extra])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NAME = "TinyStories-valid.txt"
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """urllib would send even 127.0.0.1 through a proxy named in the environment."""
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")


@pytest.mark.parametrize("mode", ["range", "redirect"])
def test_a_full_download_equals_the_served_file(tmp_path, mode):
    with FileServer({NAME: VALID}, mode) as server:
        assert run_main(server.url, tmp_path) == 0
    assert (tmp_path / NAME).read_bytes() == VALID
    assert not (tmp_path / (NAME + ".part")).exists()
    assert server.sent[NAME] == len(VALID)


def test_both_splits_by_default(tmp_path):
    files = {"TinyStories-train.txt": VALID[:50_000], NAME: VALID}
    with FileServer(files) as server:
        code = fetch.main(["--url-base", server.url, "--dest", str(tmp_path), "--no-progress"])
    assert code == 0
    assert {p.name for p in tmp_path.iterdir()} == set(files)
    assert (tmp_path / "TinyStories-train.txt").read_bytes() == VALID[:50_000]


def test_an_interrupted_download_resumes_without_fetching_again(tmp_path, capsys):
    cut = 300_000
    with FileServer({NAME: VALID}, "truncate", cut=cut) as server:
        assert run_main(server.url, tmp_path, "--retries", "0") == fetch.EXIT_FAILED
        err = capsys.readouterr().err
        assert "broke off" in err and "make data" in err, err
        part = tmp_path / (NAME + ".part")
        assert part.read_bytes() == VALID[:cut], "the .part file must keep exactly the bytes received"
        assert not (tmp_path / NAME).exists(), "nothing may appear at the destination before verification"

        assert run_main(server.url, tmp_path) == 0  # the next run resumes
    assert (tmp_path / NAME).read_bytes() == VALID
    assert server.ranges(NAME) == [None, f"bytes={cut}-"]
    assert server.sent[NAME] == len(VALID), "bytes already in .part were fetched again"


def test_retries_count_failures_in_a_row(tmp_path, monkeypatch):
    """Each attempt that brings bytes resets the count; one that brings none uses up a retry."""
    with FileServer({NAME: VALID}, "truncate", cut=100_000) as server:
        real = server.handle

        def cut_every_time(h):  # every answer stops 100,000 bytes after where it started
            server._answered.discard(h.path.rsplit("/", 1)[-1])
            real(h)

        server.handle = cut_every_time
        assert run_main(server.url, tmp_path, "--retries", "1") == 0
    assert len(server.ranges(NAME)) == 9 and server.sent[NAME] == len(VALID)
    assert (tmp_path / NAME).read_bytes() == VALID


def test_a_broken_connection_is_resumed_within_one_run(tmp_path):
    with FileServer({NAME: VALID}, "truncate", cut=123_456) as server:
        assert run_main(server.url, tmp_path, "--retries", "2") == 0
    assert (tmp_path / NAME).read_bytes() == VALID
    assert server.ranges(NAME) == [None, "bytes=123456-"]
    assert server.sent[NAME] == len(VALID)


def test_a_server_that_ignores_range_restarts_from_zero(tmp_path):
    part = tmp_path / (NAME + ".part")
    part.write_bytes(b"x" * 5000)  # not even the right bytes: appending would corrupt the file
    with FileServer({NAME: VALID}, "ignore-range") as server:
        assert run_main(server.url, tmp_path) == 0
    assert server.ranges(NAME) == ["bytes=5000-"]
    assert (tmp_path / NAME).read_bytes() == VALID


def test_a_complete_part_is_verified_and_placed(tmp_path):
    (tmp_path / (NAME + ".part")).write_bytes(VALID)
    with FileServer({NAME: VALID}) as server:
        assert run_main(server.url, tmp_path) == 0
    assert server.sent.get(NAME, 0) == 0
    assert (tmp_path / NAME).read_bytes() == VALID


def test_a_part_longer_than_the_file_starts_again(tmp_path):
    (tmp_path / (NAME + ".part")).write_bytes(VALID + b"stale tail")
    with FileServer({NAME: VALID}) as server:
        assert run_main(server.url, tmp_path) == 0
    assert server.ranges(NAME) == [f"bytes={len(VALID) + 10}-", None]
    assert (tmp_path / NAME).read_bytes() == VALID


def test_a_wrong_sha256_is_an_error_and_leaves_nothing(tmp_path, capsys):
    with FileServer({NAME: VALID}, "bad-sha") as server:
        assert run_main(server.url, tmp_path) == fetch.EXIT_FAILED
    err = capsys.readouterr().err
    assert "SHA-256" in err and "stated by the server" in err and "deleted" in err, err
    assert list(tmp_path.iterdir()) == [], "a file that fails its check must leave neither it nor its .part"
    with FileServer({NAME: VALID}, "bad-sha") as server:
        assert run_main(server.url, tmp_path, "--ignore-etag") == 0
    assert (tmp_path / NAME).read_bytes() == VALID


def test_a_wrong_length_is_an_error_before_downloading(tmp_path, capsys):
    with FileServer({NAME: VALID}, "wrong-length") as server:
        assert run_main(server.url, tmp_path) == fetch.EXIT_FAILED
    err = capsys.readouterr().err
    assert "sizes do not agree" in err and f"announced {len(VALID):,}" in err, err
    assert list(tmp_path.iterdir()) == [], "the client must stop before writing a byte"


def test_published_size_and_sha256_are_enforced(tmp_path):
    """With known figures (those of the hub's files), a server announcing another size is refused
    before downloading, and a file whose bytes hash differently is deleted after download, whatever
    the server states."""
    sha = hashlib.sha256(VALID).hexdigest()
    with FileServer({NAME: VALID}) as server:
        url = f"{server.url}/{NAME}"
        with pytest.raises(fetch.FetchError, match="sizes do not agree"):
            fetch.Download(url, tmp_path / NAME, size=len(VALID) + 1, sha256=sha, log=lambda m: None).run()
        with pytest.raises(fetch.FetchError, match="its SHA-256 is .* the one published is 0000"):
            fetch.Download(url, tmp_path / NAME, size=len(VALID), sha256="0" * 64, log=lambda m: None).run()
        assert list(tmp_path.iterdir()) == []
    with FileServer({NAME: VALID}, etag=False) as server:
        with pytest.raises(fetch.FetchError, match="its SHA-256 is"):
            fetch.Download(f"{server.url}/{NAME}", tmp_path / NAME, size=len(VALID), sha256="0" * 64,
                           log=lambda m: None).run()
        assert list(tmp_path.iterdir()) == []
        fetch.Download(f"{server.url}/{NAME}", tmp_path / NAME, size=len(VALID), sha256=sha, log=lambda m: None).run()
    assert (tmp_path / NAME).read_bytes() == VALID


def test_nothing_is_at_the_destination_until_verified(tmp_path):
    seen = []
    dest, part = tmp_path / NAME, tmp_path / (NAME + ".part")

    def look(name):  # the client cannot finish before this returns: its last bytes are not sent yet
        deadline = time.monotonic() + 10
        while not (part.exists() and part.stat().st_size > 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append((dest.exists(), part.exists()))

    with FileServer({NAME: VALID}) as server:
        server.before_last_block = look
        assert run_main(server.url, tmp_path) == 0
    assert seen == [(False, True)], "while downloading, only the .part file may exist"
    assert dest.read_bytes() == VALID and not part.exists()


def test_an_existing_file_is_not_downloaded_again(tmp_path):
    (tmp_path / NAME).write_bytes(VALID)
    with FileServer({NAME: VALID}) as server:
        assert run_main(server.url, tmp_path) == 0
    assert server.requests == []


def test_offline_says_the_course_runs_on_the_sample(tmp_path):
    """A refused connection: the script (run as `make data` runs it) explains and exits non-zero."""
    url = f"http://127.0.0.1:{closed_port()}/files"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--url-base", url, "--dest", str(tmp_path), "--only", "valid"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == fetch.EXIT_OFFLINE, proc.stderr
    assert "Cannot reach 127.0.0.1" in proc.stderr and "connection refused" in proc.stderr
    assert "bundled" in proc.stderr and "make data" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_never_answers_counts_as_offline(tmp_path, capsys):
    with socket.socket() as listener:  # accepts connections (the kernel does) but never replies
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/files"
        code = fetch.main(["--url-base", url, "--dest", str(tmp_path), "--only", "valid", "--timeout", "0.5",
                           "--no-progress"])
    assert code == fetch.EXIT_OFFLINE
    assert "no answer before the time-out" in capsys.readouterr().err


def test_connection_errors_are_told_apart_from_http_errors():
    assert fetch.is_connection_error(urllib.error.URLError(socket.gaierror(-2, "Name or service not known")))
    assert fetch.is_connection_error(urllib.error.URLError(ConnectionRefusedError(111, "refused")))
    assert fetch.is_connection_error(TimeoutError("timed out"))
    assert not fetch.is_connection_error(urllib.error.HTTPError("u", 404, "Not Found", {}, None))
    assert not fetch.is_connection_error(PermissionError(13, "denied"))
    assert "does not resolve" in fetch._reason(urllib.error.URLError(socket.gaierror(-2, "Name or service not known")))


def test_an_http_error_is_reported(tmp_path, capsys):
    with FileServer({}) as server:
        assert run_main(server.url, tmp_path) == fetch.EXIT_FAILED
    assert "HTTP 404" in capsys.readouterr().err


def test_the_published_figures_are_pinned():
    assert fetch.PUBLISHED["TinyStories-valid.txt"][0] == 19_447_282
    assert fetch.PUBLISHED["TinyStories-train.txt"][0] == 1_924_281_556
    assert all(re.fullmatch(r"[0-9a-f]{64}", sha) for _, sha in fetch.PUBLISHED.values())
    assert fetch.HF_BASE.startswith("https://huggingface.co/datasets/roneneldan/TinyStories/")


def test_datasets_is_not_a_package():
    """An __init__.py would make `import datasets` find this folder instead of Hugging Face's library."""
    assert not (ROOT / "datasets" / "__init__.py").exists()
