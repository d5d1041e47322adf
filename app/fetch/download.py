"""Downloads kept in a cache folder, verified before they replace what the cache held.

Each file ``NAME`` has a sidecar ``NAME.json``: the URL, ``ETag``, ``Last-Modified``, SHA-256,
size and when it was downloaded. A re-run asks with ``If-None-Match`` / ``If-Modified-Since``
(after checking that the cached bytes still have their SHA-256): a 304 reuses the file, and a
server that answers 200 anyway with the same bytes changes nothing downstream, since imports
compare rows. A download is written to ``NAME.part``; only once its size (``Content-Length``),
a published checksum and the caller's format check agree does it replace ``NAME``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

CHUNK = 1024 * 1024


class FetchError(Exception):
    """What failed, in one line, and how to load the file by hand."""

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint

    def line(self) -> str:
        return f"{self.what}; {self.hint}" if self.hint else self.what


@dataclass(frozen=True)
class Cached:
    """A verified file in the cache and how it was obtained."""

    path: Path
    url: str
    sha256: str
    bytes: int
    downloaded_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    reused: bool = False  # the cached copy (a 304), not a new download

    @property
    def modified_day(self) -> str | None:
        """The server's Last-Modified as a date (GeoNames' dumps have no other version)."""
        if not self.last_modified:
            return None
        try:
            return parsedate_to_datetime(self.last_modified).date().isoformat()
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Expected:
    """What the source publishes about the file, checked when known."""

    sha256: str | None = None
    md5: str | None = None
    size: int | None = None


def progress_bar(console: Console) -> Progress:
    """The bar of downloads: bytes, speed, time left (in a terminal only: elsewhere it would
    leave an empty line before the one-line error)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def cached(path: Path) -> Cached | None:
    """The cached file when it is there with its sidecar and still has its SHA-256."""
    try:
        meta = orjson.loads(_sidecar(path).read_bytes())
        if not path.is_file() or path.stat().st_size != meta["bytes"]:
            return None
        if sha256_of(path) != meta["sha256"]:
            return None
        return Cached(
            path=path,
            url=meta["url"],
            sha256=meta["sha256"],
            bytes=meta["bytes"],
            downloaded_at=datetime.fromisoformat(meta["downloaded_at"]),
            etag=meta.get("etag"),
            last_modified=meta.get("last_modified"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _keep(found: Cached) -> None:
    meta = asdict(found)
    meta.pop("reused")
    meta["path"] = found.path.name
    _sidecar(found.path).write_bytes(orjson.dumps(meta, default=str, option=orjson.OPT_INDENT_2))


def _network_error(url: str, exc: httpx.HTTPError) -> str:
    host = httpx.URL(url).host
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {host} (no network, or the server refused: {exc})"
    if isinstance(exc, httpx.TimeoutException):
        return f"{host} did not answer in time ({type(exc).__name__})"
    return f"download from {host} failed: {type(exc).__name__}: {exc}"


def download(
    client: httpx.Client,
    url: str,
    path: Path,
    *,
    label: str,
    progress: Progress,
    expected: Expected | None = None,
    check: Callable[[Path], None] | None = None,
    hint: str = "",
) -> Cached:
    """``url`` into ``path`` (or the cached copy when the server says it has not changed);
    ``check`` raises ``FetchError`` when the bytes are not the expected format."""
    expected = expected or Expected()
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = cached(path)
    headers = {}
    if previous is not None and previous.url == url:
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
    part = path.with_name(path.name + ".part")
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304 and previous is not None:
                return Cached(**{**asdict(previous), "reused": True})
            if response.status_code != 200:
                moved = " (moved or removed?)" if response.status_code in (404, 410) else ""
                raise FetchError(f"{label}: {url} answered {response.status_code}{moved}", hint)
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else expected.size
            task = progress.add_task(label, total=total)
            sha, md5, received = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
            with part.open("wb") as fh:
                for chunk in response.iter_bytes(CHUNK):
                    fh.write(chunk)
                    sha.update(chunk)
                    md5.update(chunk)
                    received += len(chunk)
                    progress.update(task, completed=received)
    except httpx.HTTPError as exc:
        part.unlink(missing_ok=True)
        raise FetchError(f"{label}: {_network_error(url, exc)}", hint) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    try:
        if length and length.isdigit() and received != int(length):
            raise FetchError(
                f"{label}: incomplete download, {received} of {length} bytes (Content-Length)",
                hint,
            )
        if expected.size is not None and received != expected.size:
            raise FetchError(
                f"{label}: {received} bytes where the source lists {expected.size}", hint
            )
        if expected.sha256 and sha.hexdigest() != expected.sha256.lower():
            raise FetchError(
                f"{label}: SHA-256 {sha.hexdigest()} is not the published {expected.sha256}",
                hint,
            )
        if expected.md5 and md5.hexdigest() != expected.md5.lower():
            raise FetchError(
                f"{label}: MD5 {md5.hexdigest()} is not the published {expected.md5}", hint
            )
        if check is not None:
            check(part)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, path)
    found = Cached(
        path=path,
        url=url,
        sha256=sha.hexdigest(),
        bytes=received,
        downloaded_at=datetime.now(UTC),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )
    _keep(found)
    return found
