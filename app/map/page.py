"""The map page's HTML, its static files and the headers both are served with.

The page is one HTML template filled with the ACLED taxonomy and versioned asset URLs
(``?v=`` + a hash of the file): a versioned URL may be cached for a year, so a new MapLibre or a
changed ``map.js`` reaches browsers with the next page load, never a stale mix. The modules
``map.js`` loads itself (MapLibre, its worker, the basemap) get their versioned URLs from
``data-`` attributes of ``#map``, since an import map would be an inline script.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from html import escape
from pathlib import Path
from string import Template

from app.errors import Unavailable
from app.taxonomy import EVENT_TYPES, EVENT_TYPES_AR, SUB_EVENT_TYPES_AR

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE = HERE / "templates" / "index.html"
STATIC_PREFIX = "/static/map/"
# What the page loads; vendor/ is written from npm by `make assets` (git-ignored).
MAPLIBRE_JS = "vendor/maplibre/maplibre-gl.mjs"
ASSETS = {
    "maplibre_css": "vendor/maplibre/maplibre-gl.css",
    "map_css": "map.css",
    "maplibre_js": MAPLIBRE_JS,
    "maplibre_worker": "vendor/maplibre/maplibre-gl-worker.mjs",
    "basemap": "vendor/basemap/basemap.json",
    "map_js": "map.js",
}
# Only this server: no CDN, no tiles or fonts from elsewhere, no inline script or style; data:
# for images (MapLibre's CSS inlines its control icons). MapLibre's worker is a module file of
# this server (worker-src falls back to default-src 'self'), never a blob.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-cache", "Vary": "Accept"}
VERSIONED_CACHE = "public, max-age=31536000, immutable"
# Without ?v= (the modules map.js imports by relative URL): revalidated each time by ETag, so
# a page never mixes a new map.js with an old module.
UNVERSIONED_CACHE = "no-cache"
# Served with these types whatever the host's mimetypes table says (RFC 9239 for JavaScript).
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/geo+json",
    ".map": "application/json",
}


def type_slug(event_type: str) -> str:
    """The CSS class suffix of an event type (map.js derives the same)."""
    return re.sub(r"[^a-z0-9]+", "-", event_type.lower()).strip("-")


def _file_key(path: Path) -> tuple[Path, int, int]:
    stat = path.stat()
    return path, stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=64)
def _digest(path: Path, _mtime_ns: int, _size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def asset_version(relative: str) -> str | None:
    """The content hash of a static file (recomputed when it changes); None when absent."""
    path = (STATIC_DIR / relative).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        return None
    return _digest(*_file_key(path))


def static_headers(relative: str, version: str | None) -> dict[str, str]:
    """Cache-Control (a year for the current ``?v=``, revalidated otherwise) and the media type."""
    versioned = version is not None and version == asset_version(relative)
    cache = VERSIONED_CACHE if versioned else UNVERSIONED_CACHE
    headers = {**SECURITY_HEADERS, "Cache-Control": cache}
    media = MEDIA_TYPES.get(Path(relative).suffix)
    if media:
        headers["Content-Type"] = media
    return headers


@lru_cache(maxsize=4)
def _template(_key: tuple[Path, int, int]) -> Template:
    return Template(TEMPLATE.read_text(encoding="utf-8"))


def _taxonomy_html() -> dict[str, str]:
    types, groups, legend = [], [], []
    for event_type, subs in EVENT_TYPES.items():
        name, slug = escape(event_type), type_slug(event_type)
        arabic = escape(EVENT_TYPES_AR.get(event_type, event_type))
        types.append(f'<option value="{name}" data-ar="{arabic}">{name}</option>')
        options = "".join(
            f'<option value="{escape(s)}" data-ar="{escape(SUB_EVENT_TYPES_AR[s])}">'
            f"{escape(s)}</option>"
            for s in subs
        )
        groups.append(
            f'<optgroup label="{name}" data-type="{name}" data-ar="{arabic}">{options}</optgroup>'
        )
        legend.append(
            f'<li><span class="swatch ev-{slug}"></span><span data-ar="{arabic}">{name}</span></li>'
        )
    return {
        "type_options": "\n".join(types),
        "sub_type_groups": "\n".join(groups),
        "legend_items": "\n".join(legend),
    }


def render_page() -> str:
    """The map page, or Unavailable when MapLibre and the basemap are not built (`make assets`)."""
    urls: dict[str, str] = {}
    for name, relative in ASSETS.items():
        version = asset_version(relative)
        if version is None:
            raise Unavailable(
                f"the map page's {relative} is missing: run `make assets` "
                "(it installs MapLibre GL JS and the basemap from the npm registry)"
            )
        urls[name] = f"{STATIC_PREFIX}{relative}?v={version}"
    return _template(_file_key(TEMPLATE)).substitute(**urls, **_taxonomy_html())
