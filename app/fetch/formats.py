"""Each source's own format, checked before anything is imported, and the files the existing
importers read, taken out of the archives.

- UCDP GED: a zip holding one CSV (the yearly release), or a plain CSV (a monthly candidate);
  its header must have the columns the importer needs. Only Syria's rows (``country_id`` 652,
  or ``country`` Syria when there is no id) are copied out: the global file has some 300,000.
- GeoNames: ``SY.zip`` holding ``SY.txt``, tab-separated, 19 columns, Syria's rows.
- OCHA COD-AB (HDX's GeoJSON resource): a zip of ``syr_admin0..4.geojson`` and point and line
  layers; admin 1-3 are FeatureCollections of polygons with a pcode.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

import orjson

from app.exchange import ucdp
from app.fetch.download import FetchError
from app.gazetteer.boundaries import own_fields

ZIP_MAGIC = b"PK\x03\x04"
UCDP_COLUMNS = (*ucdp.REQUIRED, "country_id")
GEONAMES_COLUMNS = 19
# admin 1-3 layers: syr_admin1.geojson (2025 on), syr_admbnda_adm1_uncs_unocha.json (before)
_ADMIN_LAYER = re.compile(r"adm(?:in|bnda_adm)?([1-3])(?![0-9])", re.IGNORECASE)


def open_zip(path: Path, label: str, hint: str) -> zipfile.ZipFile:
    """The archive, after its magic and every member's CRC are checked."""
    with path.open("rb") as fh:
        if fh.read(4) != ZIP_MAGIC:
            raise FetchError(f"{label}: not a zip archive (the download is not the file)", hint)
    try:
        archive = zipfile.ZipFile(path)
        broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FetchError(f"{label}: corrupt zip archive ({exc})", hint) from None
    if broken is not None:
        archive.close()
        raise FetchError(f"{label}: corrupt zip archive (bad CRC in {broken})", hint)
    return archive


def _csv_member(archive: zipfile.ZipFile, label: str, hint: str) -> str:
    members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
    if len(members) != 1:
        found = ", ".join(archive.namelist()[:5]) or "nothing"
        raise FetchError(f"{label}: expected one CSV file in the archive, found {found}", hint)
    return members[0]


def _check_ucdp_header(header: list[str], label: str, hint: str) -> list[str]:
    columns = [h.strip().lower() for h in header]
    missing = [c for c in UCDP_COLUMNS if c not in columns]
    if missing:
        raise FetchError(
            f"{label}: not UCDP GED's CSV (format changed?): missing columns {', '.join(missing)}",
            hint,
        )
    return columns


def check_ucdp(path: Path, label: str, hint: str) -> None:
    """A zip with one CSV, or a CSV, whose header has GED's columns."""
    with path.open("rb") as fh:
        zipped = fh.read(4) == ZIP_MAGIC
    if zipped:
        with open_zip(path, label, hint) as archive:
            member = _csv_member(archive, label, hint)
            with archive.open(member) as raw:
                _check_ucdp_header(_header(raw, label, hint), label, hint)
        return
    with path.open("rb") as raw:
        _check_ucdp_header(_header(raw, label, hint), label, hint)


def _header(raw: IO[bytes], label: str, hint: str) -> list[str]:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
    try:
        header = next(csv.reader(text), None)
    except csv.Error as exc:
        raise FetchError(f"{label}: not a CSV file ({exc})", hint) from None
    if not header:
        raise FetchError(f"{label}: empty file", hint)
    return header


def extract_ucdp_syria(path: Path, target: Path) -> int:
    """Syria's rows of a GED file (zip or CSV) into ``target``, the header kept; how many."""
    with path.open("rb") as fh:
        zipped = fh.read(4) == ZIP_MAGIC
    archive = zipfile.ZipFile(path) if zipped else None
    try:
        raw = archive.open(_csv_member(archive, "", "")) if archive else path.open("rb")
        with raw, target.open("w", encoding="utf-8", newline="") as out:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
            header = next(reader)
            columns = [h.strip().lower() for h in header]
            at_id, at_country = columns.index("country_id"), columns.index("country")
            writer = csv.writer(out)
            writer.writerow(header)
            rows = 0
            for row in reader:
                if len(row) != len(columns):
                    writer.writerow(row)  # the importer reports it with its line
                    continue
                country_id = row[at_id].strip()
                if country_id == str(ucdp.SYRIA_GW) or (
                    not country_id and row[at_country].strip().lower() == "syria"
                ):
                    writer.writerow(row)
                    rows += 1
            return rows
    finally:
        if archive is not None:
            archive.close()


def check_geonames(path: Path, label: str, hint: str) -> None:
    """``SY.zip``: ``SY.txt`` whose lines have GeoNames' 19 tab-separated columns."""
    with open_zip(path, label, hint) as archive:
        if "SY.txt" not in archive.namelist():
            found = ", ".join(archive.namelist()[:5]) or "nothing"
            raise FetchError(f"{label}: no SY.txt in the archive (found {found})", hint)
        with archive.open("SY.txt") as raw:
            lines = io.TextIOWrapper(raw, encoding="utf-8", errors="replace").readlines(64 * 1024)
    rows = [line.rstrip("\n").split("\t") for line in lines if line.strip()]
    if not rows:
        raise FetchError(f"{label}: SY.txt is empty", hint)
    for fields in rows[:20]:
        if len(fields) != GEONAMES_COLUMNS or not fields[0].isdigit() or fields[8] != "SY":
            raise FetchError(
                f"{label}: SY.txt is not a GeoNames dump (format changed?): a line has "
                f"{len(fields)} fields where the dump has {GEONAMES_COLUMNS}",
                hint,
            )


def extract_member(path: Path, member: str, target: Path) -> Path:
    with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
        target.write_bytes(raw.read())
    return target


def admin_layers(archive: zipfile.ZipFile) -> dict[int, str]:
    """The GeoJSON members of admin levels 1-3, by level."""
    layers: dict[int, str] = {}
    for name in archive.namelist():
        base = PurePosixPath(name).name
        if not base.lower().endswith((".geojson", ".json")) or base.startswith("."):
            continue
        found = _ADMIN_LAYER.search(base)
        if found and int(found.group(1)) not in layers:
            layers[int(found.group(1))] = name
    return layers


def check_boundaries(path: Path, label: str, hint: str) -> None:
    """A zip of GeoJSON layers: admin 1-3, each polygons with a pcode."""
    with open_zip(path, label, hint) as archive:
        layers = admin_layers(archive)
        if 1 not in layers:
            found = ", ".join(archive.namelist()[:6]) or "nothing"
            raise FetchError(
                f"{label}: no admin 1 GeoJSON layer in the archive (format changed?): "
                f"found {found}",
                hint,
            )
        for level, member in sorted(layers.items()):
            try:
                data = orjson.loads(archive.read(member))
            except orjson.JSONDecodeError as exc:
                raise FetchError(f"{label}: {member} is not GeoJSON ({exc})", hint) from None
            features = data.get("features") if isinstance(data, dict) else None
            if not isinstance(features, list) or not features:
                raise FetchError(f"{label}: {member} is not a FeatureCollection", hint)
            first = features[0] if isinstance(features[0], dict) else {}
            geometry = first.get("geometry") or {}
            if geometry.get("type") not in ("Polygon", "MultiPolygon"):
                raise FetchError(
                    f"{label}: {member}: expected polygons, got {geometry.get('type')}", hint
                )
            if not own_fields(first.get("properties") or {})[0]:
                raise FetchError(f"{label}: {member}: features have no admin {level} pcode", hint)


def extract_boundaries(path: Path, folder: Path) -> list[Path]:
    """The admin 1-3 layers into ``folder``, in level order."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as archive:
        layers = admin_layers(archive)
        return [
            extract_member(path, member, folder / PurePosixPath(member).name)
            for _, member in sorted(layers.items())
        ]
