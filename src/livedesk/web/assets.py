"""Static front-end files as they go over the wire: gzip made once, content-hashed names, ETags.

The sources stay plain files under web/static (no build step). The first request after a start,
or after a file changed on disk, builds every asset of the tree in memory:

- the widget's own scripts and stylesheet lose their comments and indentation (minify.py):
  a visitor's phone downloads them, the sources keep their comments;
- the panel (and the preview) come with the modules they import statically inlined
  (bundle.py): one response instead of one per module, its stylesheet included (`x.css.js`,
  a module the server makes from `x.css`);
- a module's relative imports and the loader's `/widget/…` references are rewritten to the
  content-hashed names of their targets (`panel.js` → `panel.1a2b3c4d5e.js`), so a hashed name
  changes whenever anything it pulls in changes and may be cached for a year;
- the gzip encoding, served to a client that accepts it (`Vary: Accept-Encoding`): zopfli's for
  the widget's files (4 % smaller than zlib's level 9, 469 B of an opened widget, for about
  0.2 s of CPU once per process and content), zlib's level 9 for the rest;
- a strong ETag per encoding, so a revalidation answers 304 Not Modified.

Brotli is not served: on the opened widget it would save 1.6 KB of 13.9 KB (12 %, measured
with the `brotli` package; docs/benchmarks.md, "Widget size"), which is not a dependency and is
compiled; browsers ask for it over HTTPS only, and gzip meets the budget.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import mimetypes
import posixpath
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import zopfli.gzip
from starlette.requests import Request
from starlette.responses import Response

from livedesk.web.bundle import bundle
from livedesk.web.minify import minify_css, minify_js

IMMUTABLE = "public, max-age=31536000, immutable"
TEXT_SUFFIXES = frozenset({".js", ".css", ".html", ".json", ".svg", ".txt", ".map"})
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
# A quoted module specifier or asset path inside a JS file: relative ("./dom.js",
# "../shared/socket.js") or the loader's absolute ones ("/widget/panel.js").
REFERENCE = re.compile(r"""(["'])((?:\.{1,2}/|/(?:widget|shared)/)[\w./-]+\.(?:js|css))\1""")
MINIFIED = ("widget/", "shared/")  # what client websites load: the visitor pays for each byte
BUNDLED = frozenset({"widget/panel.js", "widget/preview.js"})  # served with their imports inlined
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[a-z0-9]+)$")


@dataclass(frozen=True)
class Asset:
    """One file as served: its bytes, their gzip encoding, and the hash that names them."""

    path: str  # under the static root, with "/" separators: "widget/panel.js"
    body: bytes
    gzipped: bytes | None  # None when compressing does not pay (images, tiny files)
    digest: str  # the first 10 hex digits of the served body's SHA-256
    media_type: str

    @property
    def hashed_path(self) -> str:
        stem, suffix = posixpath.splitext(self.path)
        return f"{stem}.{self.digest}{suffix}"


class AssetTree:
    """Every file under `root`, built together and rebuilt when any of them changes."""

    def __init__(self, root: Path, *, url_prefixes: dict[str, str] | None = None) -> None:
        self.root = root
        # How a directory is reached by URL, for the loader's absolute references:
        # "/widget/" → "widget/". Relative module imports need no table.
        self.url_prefixes = url_prefixes or {"/widget/": "widget/", "/shared/": "shared/"}
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._checked = 0.0
        self._assets: dict[str, Asset] = {}

    def _files(self) -> dict[str, Path]:
        return {
            p.relative_to(self.root).as_posix(): p
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")
        }

    def _current(self) -> dict[str, Asset]:
        # An edited file is picked up within half a second; a busy server stats the tree at
        # most twice a second.
        if self._stamp is not None and time.monotonic() - self._checked < 0.5:
            return self._assets
        self._checked = time.monotonic()
        files = self._files()
        stamp = tuple((name, p.stat().st_mtime_ns, p.stat().st_size) for name, p in files.items())
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._assets = _Builder(files, self.url_prefixes).build()
                    self._stamp = stamp
        return self._assets

    def get(self, path: str) -> tuple[Asset, bool] | None:
        """The asset at `path` and whether the name asked for carried its current hash.

        `panel.<hash>.js` with another hash (a page still holding an older loader) gets today's
        file, but not as immutable: it must not be cached under a name it does not match."""
        assets = self._current()
        found = assets.get(path)
        if found is not None:
            return found, False
        match = HASHED.match(path)
        if match is None:
            return None
        found = assets.get(match["stem"] + match["suffix"])
        if found is None:
            return None
        return found, found.digest == match["digest"]

    def url(self, path: str) -> str:
        """The hashed name of `path` (under the root): what a page should reference."""
        return self._current()[path].hashed_path


class _Builder:
    def __init__(self, files: dict[str, Path], url_prefixes: dict[str, str]) -> None:
        self.files = files
        self.url_prefixes = url_prefixes
        self.done: dict[str, Asset] = {}
        self.busy: set[str] = set()
        self.texts: dict[str, str] = {}  # minified module sources, for bundling

    def build(self) -> dict[str, Asset]:
        for name in self.files:
            self._asset(name)
        return self.done

    def _target(self, name: str, reference: str) -> str | None:
        """The file a reference in `name` points at, if it is one of ours."""
        for prefix, directory in self.url_prefixes.items():
            if reference.startswith(prefix):
                target = directory + reference[len(prefix) :]
                return target if target in self.files else None
        if reference.startswith("/"):
            return None
        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), reference))
        return target if target in self.files else None

    def _asset(self, name: str) -> Asset:
        if name in self.done:
            return self.done[name]
        suffix = posixpath.splitext(name)[1]
        if name in BUNDLED:
            body = bundle(name, self._module).encode()
        elif name.startswith(MINIFIED) and suffix in (".js", ".css"):
            text = self.files[name].read_bytes().decode()
            body = (minify_js(text) if suffix == ".js" else minify_css(text)).encode()
        else:
            body = self.files[name].read_bytes()
        if suffix == ".js" and name not in self.busy:
            self.busy.add(name)  # an import cycle keeps the plain name for its back edge
            body = REFERENCE.sub(lambda m: self._rewrite(name, m), body.decode()).encode()
            self.busy.discard(name)
        gzipped = _zopfli(body) if name.startswith(MINIFIED) else _gzip(body)
        worth = suffix in TEXT_SUFFIXES and len(gzipped) < len(body)
        media = (
            MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        if media.startswith("text/") or media in ("application/json", "image/svg+xml"):
            media += "; charset=utf-8"
        asset = Asset(
            path=name,
            body=body,
            gzipped=gzipped if worth else None,
            digest=hashlib.sha256(body).hexdigest()[:10],
            media_type=media,
        )
        self.done[name] = asset
        return asset

    def _module(self, name: str) -> str | None:
        """A widget module's minified text, for bundling; None for anything else. `x.css.js`
        is made from the stylesheet `x.css`: a module exporting its minified text as CSS."""
        if not name.startswith(MINIFIED) or not name.endswith(".js"):
            return None
        if name not in self.texts:
            sheet = name.removesuffix(".js")
            if name in self.files:
                self.texts[name] = minify_js(self.files[name].read_bytes().decode())
            elif sheet.endswith(".css") and sheet in self.files:
                css = minify_css(self.files[sheet].read_bytes().decode())
                self.texts[name] = f"export const CSS = {json.dumps(css.strip())};\n"
            else:
                return None
        return self.texts[name]

    def _rewrite(self, name: str, match: re.Match[str]) -> str:
        quote, reference = match[1], match[2]
        target = self._target(name, reference)
        if target is None or target in self.busy:
            return match[0]
        digest = self._asset(target).digest
        stem, suffix = posixpath.splitext(reference)
        return f"{quote}{stem}.{digest}{suffix}{quote}"


def accepts_gzip(request: Request) -> bool:
    """Whether Accept-Encoding allows gzip (a q=0 refuses it)."""
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return float(q) > 0 if params.strip().startswith("q=") else True
            except ValueError:
                return True
    return False


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def asset_response(
    request: Request, asset: Asset, *, cache_control: str, cors: bool = False
) -> Response:
    """200 with the body in the best encoding the client takes (none for HEAD), or 304."""
    use_gzip = asset.gzipped is not None and accepts_gzip(request)
    body = asset.gzipped if use_gzip and asset.gzipped is not None else asset.body
    etag = f'"{asset.digest}{"-gz" if use_gzip else ""}"'
    headers = {"Cache-Control": cache_control, "ETag": etag}
    if asset.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if cors:
        headers["Access-Control-Allow-Origin"] = "*"
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
    headers["Content-Length"] = str(len(body))
    content = b"" if request.method == "HEAD" else body  # HEAD: the same headers, no body
    return Response(content, media_type=asset.media_type, headers=headers)


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=9, mtime=0)


@functools.lru_cache(maxsize=256)
def _zopfli(body: bytes) -> bytes:
    """Gzip as small as zopfli makes it (one iteration: more saved 20 B of 11 KB at twice the
    time); remembered per content, so every app in a process pays once. Block splitting only
    for bodies of 8 KiB and more: below that it found no split in any of the widget's files,
    and it cost 0.1 s of CPU per file, 2.2 of a process's 2.5 s of start-up asset building."""
    compressed: bytes = zopfli.gzip.compress(
        body, numiterations=1, blocksplitting=len(body) >= 8192
    )
    return compressed
