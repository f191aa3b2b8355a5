#!/usr/bin/env python3
"""Download the full TinyStories text files into ``datasets/full/`` (``make data``).

    python datasets/fetch.py [--only train|valid] [--dest DIR] [--url-base URL] [--retries N]

Each file is written to ``NAME.part`` first. An interrupted download keeps its ``.part``
and the next run asks the server for the rest only (an HTTP ``Range`` request; a server that
ignores it gets the file again from the start). The finished file is checked — its size
against the size the server announced and the published one, its SHA-256 against the
published one or the one the server states — and only then renamed to ``NAME``. So a file at
``datasets/full/NAME`` is always complete and verified; ``common.data`` uses it from then on.

Exit status: 0 done, 1 a download or check failed, 3 no connection (the course then runs
on the bundled sample), 130 interrupted with Ctrl-C.

This is a script, not a module of a package: ``datasets/`` has no ``__init__.py`` on
purpose, so that it never hides the Hugging Face ``datasets`` library.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import http.client
import os
import re
import shutil
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HF_BASE = "https://huggingface.co/datasets/roneneldan/TinyStories/resolve/main"
FILES = {"train": "TinyStories-train.txt", "valid": "TinyStories-valid.txt"}
# Size in bytes and SHA-256 of the upstream files, from the dataset's Git LFS metadata on the
# Hugging Face hub. Checked only when downloading from HF_BASE; another server (--url-base)
# is checked against the size and SHA-256 it states itself.
PUBLISHED = {
    "TinyStories-train.txt": (1_924_281_556, "c5cf5e22ff13614e830afbe61a99fbcbe8bcb7dd72252b989fa1117a368d401f"),
    "TinyStories-valid.txt": (19_447_282, "94e431816c4cce81ff71e4408ff8d3bda9a42e8d2663986697c3954288cb38b4"),
}
CHUNK = 1 << 20
EXIT_FAILED, EXIT_OFFLINE, EXIT_INTERRUPTED = 1, 3, 130
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class FetchError(Exception):
    """A download that cannot go on: a bad answer from the server or a failed check."""


class Offline(FetchError):
    """The server cannot be reached at all: no DNS, connection refused, no answer in time."""


class Interrupted(FetchError):
    """The connection broke mid-file more often than --retries allows; the ``.part`` is kept."""


def offline_message(url: str, reason: object) -> str:
    host = urllib.request.urlparse(url).netloc or url
    return (
        f"Cannot reach {host} ({reason}). No problem for the course: every phase runs on the "
        f"TinyStories sample bundled in datasets/tinystories/, and common.data picks it "
        f"automatically when the full set is absent. The full set (about 2 GB) only matters for "
        f"the long GPU runs of phase 08 onwards; when you are online, run `make data` again — "
        f"whatever was already downloaded is kept and the download resumes where it stopped.")


def is_connection_error(exc: BaseException) -> bool:
    """True for failures to reach a server at all: no DNS answer, refused, unreachable, timed out."""
    if isinstance(exc, urllib.error.HTTPError):
        return False
    if isinstance(exc, urllib.error.URLError):
        if not isinstance(exc.reason, BaseException):
            return False
        exc = exc.reason
    if isinstance(exc, (socket.gaierror, ConnectionError, TimeoutError, socket.timeout)):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, socket.gaierror):
        return f"the name does not resolve: {exc.strerror or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "no answer before the time-out"
    return str(exc) or type(exc).__name__


class _RecordingRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects like urllib does, keeping the headers of every hop.

    The hub answers a file request with a redirect to its storage; the redirect carries
    ``X-Linked-Size`` and ``X-Linked-Etag`` (the file's size and SHA-256), the final answer
    may not.
    """

    def __init__(self) -> None:
        self.hops: list = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.hops.append(headers)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _header(responses, name: str) -> str | None:
    """The last value of header ``name`` across a redirect chain (final answer last)."""
    value = None
    for headers in responses:
        if headers is not None and headers.get(name) is not None:
            value = headers.get(name)
    return value


def _etag_sha256(value: str | None) -> str | None:
    """The SHA-256 in an ETag such as ``"4f1c...e9"`` (or ``W/"..."``), else None."""
    if not value:
        return None
    tag = value.strip()
    tag = tag[2:] if tag.startswith("W/") else tag
    tag = tag.strip('"').lower()
    return tag if _SHA256_HEX.match(tag) else None


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """``bytes START-END/TOTAL`` or ``bytes */TOTAL`` → (START, TOTAL); None for unknown parts."""
    m = re.match(r"^\s*bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)\s*$", value or "")
    if not m:
        return None, None
    start = int(m.group(1)) if m.group(1) is not None else None
    total = int(m.group(2)) if m.group(2) != "*" else None
    return start, total


def sha256_of(path: Path, progress: bool = False) -> str:
    from tqdm import tqdm

    digest = hashlib.sha256()
    with open(path, "rb") as f, tqdm(total=path.stat().st_size, unit="B", unit_scale=True,
                                     desc=f"checking {path.name}", disable=not progress, leave=False) as bar:
        while block := f.read(CHUNK):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


class Download:
    """One file: ``url`` → ``dest``, through ``dest.part``."""

    def __init__(self, url: str, dest: Path, *, size: int | None = None, sha256: str | None = None,
                 retries: int = 3, timeout: float = 30.0, retry_wait: float = 1.0, progress: bool = False,
                 trust_etag: bool = True, log=print) -> None:
        self.url, self.dest = url, dest
        self.part = dest.with_name(dest.name + ".part")
        self.size, self.sha256 = size, sha256  # what the file must be; None: take the server's word
        self.retries, self.timeout, self.retry_wait = retries, timeout, retry_wait
        self.progress, self.log, self.trust_etag = progress, log, trust_etag
        self.stated_sha256: str | None = None
        self.connected = False  # a server has answered in this run

    def run(self) -> Path:
        if self.dest.exists():
            have = self.dest.stat().st_size
            if self.size is not None and have != self.size:
                raise FetchError(f"{self.dest} exists but has {have:,} bytes, not the expected {self.size:,}; "
                                 f"delete it and run again.")
            self.log(f"{self.dest.name}: already downloaded ({have:,} bytes)")
            return self.dest
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        failures = 0
        while True:
            before = self._part_size()
            try:
                total = self._transfer()
                break
            except (http.client.HTTPException, urllib.error.URLError, OSError) as exc:
                if isinstance(exc, urllib.error.HTTPError):
                    raise FetchError(f"{self.url}: the server answered HTTP {exc.code} {exc.reason}") from exc
                if not self.connected and is_connection_error(exc):
                    raise Offline(offline_message(self.url, _reason(exc))) from exc
                failures = 1 if self._part_size() > before else failures + 1  # count failures in a row
                if failures > self.retries:
                    raise Interrupted(self._interrupted(_reason(exc))) from exc
                wait = min(self.retry_wait * 2.0 ** (failures - 1), 30.0)
                self.log(f"{self.dest.name}: connection broke ({_reason(exc)}); resuming in {wait:g} s "
                         f"(try {failures} of {self.retries})")
                time.sleep(wait)
        self._verify(total)
        os.replace(self.part, self.dest)
        self.log(f"{self.dest.name}: {total:,} bytes, verified → {self.dest}")
        return self.dest

    def _part_size(self) -> int:
        return self.part.stat().st_size if self.part.exists() else 0

    def _interrupted(self, reason: str) -> str:
        have = self._part_size()
        return (f"{self.dest.name}: the download broke off ({reason}) after {have:,} bytes, kept in "
                f"{self.part}. Run `make data` again to resume from there.")

    def _open(self, have: int):
        req = urllib.request.Request(self.url, headers={"User-Agent": "scratchgpt-fetch/1.0",
                                                        "Accept-Encoding": "identity"})
        if have:
            req.add_header("Range", f"bytes={have}-")
        redirects = _RecordingRedirects()
        opener = urllib.request.build_opener(redirects)
        try:
            resp = opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            exc.hops = redirects.hops
            raise
        return resp, [*redirects.hops, resp.headers]

    def _announced(self, headers, total: int | None) -> int | None:
        """Check the sizes the server gives for the whole file against each other and the expected one.

        Also notes the SHA-256 the server states (``X-Linked-Etag``, else an ETag that is a
        SHA-256), used when no published one is known. Returns the file's size, if known.
        """
        linked = _header(headers, "X-Linked-Size")
        linked_size = int(linked) if linked and linked.isdigit() else None
        stated = [("the answer's length", total), ("announced", linked_size), ("expected", self.size)]
        if len({v for _, v in stated if v is not None}) > 1:
            said = ", ".join(f"{what} {v:,}" for what, v in stated if v is not None)
            raise FetchError(f"{self.url}: the sizes do not agree ({said} bytes); not downloading. "
                             f"The file on the server is not the one this course expects.")
        if self.trust_etag:
            sha = _etag_sha256(_header(headers, "X-Linked-Etag")) or _etag_sha256(_header(headers, "ETag"))
            self.stated_sha256 = sha or self.stated_sha256
        return next((v for _, v in stated if v is not None), None)

    def _transfer(self) -> int:
        """Fetch what ``.part`` lacks; return the file's full size. Raises on a broken connection."""
        have = self._part_size()
        try:
            resp, headers = self._open(have)
        except urllib.error.HTTPError as exc:
            start, total = _content_range(exc.headers.get("Content-Range") if exc.headers else None)
            if exc.code != 416 or not have:
                raise
            self.connected = True
            # Range not satisfiable: .part already holds the whole file, or more than it.
            total = self._announced([*getattr(exc, "hops", []), exc.headers], total)
            if total == have:
                return have
            self.log(f"{self.dest.name}: the partial file is longer than the file on the server; starting again")
            self.part.unlink()
            return self._transfer()
        self.connected = True
        with resp:
            if resp.status == 206:
                start, total = _content_range(resp.headers.get("Content-Range"))
                if start != have:
                    raise FetchError(f"{self.url}: asked for bytes from {have:,}, the server sent from {start}")
                mode = "ab"
            elif resp.status == 200:
                if have:
                    self.log(f"{self.dest.name}: the server does not resume downloads; starting again from zero")
                length = resp.headers.get("Content-Length")
                total, have, mode = (int(length) if length and length.isdigit() else None), 0, "wb"
            else:
                raise FetchError(f"{self.url}: unexpected answer HTTP {resp.status} {resp.reason}")
            total = self._announced(headers, total)
            if total is not None and total > have:
                self._check_space(total - have)
            self._copy(resp, mode, have, total)
        got = self.part.stat().st_size
        if total is None:
            return got
        if got < total:
            raise ConnectionResetError(f"the server closed the connection at byte {got:,} of {total:,}")
        return total

    def _check_space(self, needed: int) -> None:
        free = shutil.disk_usage(self.part.parent).free
        if free < needed + (64 << 20):
            raise FetchError(f"{self.dest.name} needs {needed / 1e9:.2f} GB more, but {self.part.parent} has only "
                             f"{free / 1e9:.2f} GB free. Free some space, or set SCRATCHGPT_FULL_DATA to a folder "
                             f"on a larger disk and run again.")

    def _copy(self, resp, mode: str, have: int, total: int | None) -> None:
        from tqdm import tqdm

        try:
            f = open(self.part, mode)
        except OSError as exc:
            raise FetchError(f"cannot write {self.part}: {exc}") from exc
        with f, tqdm(total=total, initial=have, unit="B", unit_scale=True, unit_divisor=1024,
                     desc=self.dest.name, disable=not self.progress) as bar:
            while block := resp.read1(CHUNK):  # what has arrived, up to CHUNK: .part grows as bytes come
                try:
                    f.write(block)
                except OSError as exc:
                    raise FetchError(f"cannot write {self.part}: {exc}") from exc
                bar.update(len(block))

    def _verify(self, total: int) -> None:
        """Size and SHA-256 of ``.part``; on a mismatch ``.part`` is deleted (it cannot be resumed)."""
        got = self.part.stat().st_size
        problems = []
        for what, want in (("announced by the server", total), ("published", self.size)):
            if want is not None and got != want:
                problems.append(f"it has {got:,} bytes, {want:,} {what}")
        want_sha = self.sha256 or self.stated_sha256
        if not problems and want_sha:
            digest = sha256_of(self.part, self.progress)
            if digest != want_sha:
                source = "published" if self.sha256 else "stated by the server (--ignore-etag skips this check)"
                problems.append(f"its SHA-256 is {digest}, the one {source} is {want_sha}")
        if problems:
            self.part.unlink()
            raise FetchError(f"{self.dest.name}: the downloaded file is not right: {'; '.join(problems)}. "
                             f"It was deleted; run `make data` again to download it afresh.")
        if not want_sha:
            self.log(f"{self.dest.name}: no SHA-256 known for this file; checked its size only")


def default_dest() -> Path:
    """``SCRATCHGPT_FULL_DATA`` or ``datasets/full`` next to this script (as ``common.data`` reads it)."""
    env = os.environ.get("SCRATCHGPT_FULL_DATA")
    return Path(env).expanduser().resolve() if env else Path(__file__).resolve().parent / "full"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Download the full TinyStories text files (about 2 GB).")
    p.add_argument("--only", choices=sorted(FILES), help="download one split only")
    p.add_argument("--dest", type=Path, default=None,
                   help="folder to download into (default: $SCRATCHGPT_FULL_DATA or datasets/full)")
    p.add_argument("--url-base", default=HF_BASE,
                   help="where the files are: URL of the folder holding TinyStories-*.txt (default: the Hugging Face hub)")
    p.add_argument("--retries", type=int, default=3,
                   help="how often in a row a broken connection is resumed (default 3)")
    p.add_argument("--ignore-etag", action="store_true",
                   help="do not check against a SHA-256 stated by the server (a mirror whose ETags are not SHA-256)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server (default 30)")
    p.add_argument("--retry-wait", type=float, default=1.0,
                   help="seconds before the first resume, doubled at each further one (default 1)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show progress bars (default: when stderr is a terminal)")
    args = p.parse_args(argv)
    dest = (args.dest or default_dest()).resolve()
    base = args.url_base.rstrip("/")
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    splits = [args.only] if args.only else sorted(FILES, key=["train", "valid"].index)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    log(f"TinyStories ({', '.join(splits)}) from {base} into {dest}")
    for split in splits:
        name = FILES[split]
        size, sha = PUBLISHED[name] if base == HF_BASE else (None, None)
        job = Download(f"{base}/{name}", dest / name, size=size, sha256=sha, retries=args.retries,
                       timeout=args.timeout, retry_wait=args.retry_wait, progress=progress,
                       trust_etag=not args.ignore_etag, log=log)
        try:
            job.run()
        except Offline as exc:
            log(str(exc))
            return EXIT_OFFLINE
        except FetchError as exc:
            log(f"error: {exc}")
            return EXIT_FAILED
        except OSError as exc:  # the destination folder cannot be made or written
            log(f"error: {exc}")
            return EXIT_FAILED
        except KeyboardInterrupt:
            log(f"\nstopped. What arrived is kept in {job.part}; run `make data` again to resume.")
            return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
