"""``manifest.json`` of an mmps output, typed (docs/FORMAT.md, "manifest.json")."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from .errors import FormatError

#: The newest schema version of factor tables this package reads.
SCHEMA_VERSION = 2
#: The oldest one: version 1 tables hold only ``mmps`` rows at ``float32``.
OLDEST_SCHEMA_VERSION = 1
#: The name of the manifest in an output folder.
MANIFEST = "manifest.json"

# The keys a manifest must hold, per section; FORMAT.md lists them and the Java reader requires them.
_REQUIRED = {
    "": ["schema_version", "mmps_version", "created", "config", "input", "compression", "counts", "totals",
         "stats", "error_examples", "timing"],
    "input": ["root", "kind", "classes"],
    "compression": ["codec", "precision", "dtype", "route", "stages", "layout_request", "rank_profile"],
    "counts": ["inputs", "images", "failed"],
    "totals": ["input_bytes", "stored_bytes", "stored_bytes_per_image", "error_table_bytes", "stored_values"],
    "timing": ["seconds", "images_per_second"],
}


@dataclass(frozen=True)
class Compression:
    codec: str
    precision: str
    dtype: str
    route: str
    stages: int
    layout_request: str
    rank_profile: Optional[Mapping[str, Any]]
    layout_search: Optional[Mapping[str, Any]] = None


@dataclass(frozen=True)
class Counts:
    inputs: int
    images: int
    failed: int


@dataclass(frozen=True)
class Manifest:
    """What a compress run was asked, what it did, and its totals; ``raw`` holds the whole JSON object."""

    path: str
    schema_version: int
    mmps_version: str
    created: str
    config: Mapping[str, Any]
    root: str
    kind: str
    classes: List[str]
    compression: Compression
    counts: Counts
    totals: Mapping[str, Any]
    stats: Mapping[str, Any]
    timing: Mapping[str, Any]
    raw: Mapping[str, Any] = field(repr=False)


def _damaged(path: str, what: str) -> FormatError:
    return FormatError(f"{path} {what}; the output is damaged or was not written by mmps: "
                       "compress the images again into a new output")


def read_manifest(path: str) -> Manifest:
    """Reads and checks ``manifest.json`` at ``path`` (the file itself)."""
    try:
        with open(path, "rb") as f:
            tree = json.loads(f.read())
    except json.JSONDecodeError as e:
        raise _damaged(path, f"is not valid JSON ({e.msg} at line {e.lineno})") from e
    if not isinstance(tree, dict):
        raise _damaged(path, "does not hold a JSON object")
    return parse_manifest(tree, path)


def parse_manifest(tree: Dict[str, Any], path: str) -> Manifest:
    """Checks a manifest's schema version and keys, in the Java reader's order, and types it."""
    version = tree.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _damaged(path, "lacks key 'schema_version' (or it is not a whole number)")
    if version > SCHEMA_VERSION:
        raise FormatError(
            f"{path} has schema version {version}, newer than this mmps package reads "
            f"({OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}); it was written by mmps "
            f"{tree.get('mmps_version', '?')}: upgrade the Python package (pip install --upgrade ./python "
            "from that mmps version's checkout)")
    if version < OLDEST_SCHEMA_VERSION:
        raise FormatError(f"{path} has schema version {version}, older than this mmps package reads "
                          f"({OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}): compress the images again into a new output")
    tree = json.loads(json.dumps(tree))  # a private copy to fill in
    if version == 1:
        _upgrade_version_one(tree)
    for section, keys in _REQUIRED.items():
        node = tree if section == "" else tree.get(section)
        if not isinstance(node, dict):
            raise _damaged(path, f"lacks key '{section}' (or it is not an object)")
        for key in keys:
            if key not in node:
                name = key if section == "" else f"{section}.{key}"
                raise _damaged(path, f"lacks key '{name}'")
    c = tree["compression"]
    counts = tree["counts"]
    return Manifest(
        path=path, schema_version=version, mmps_version=str(tree["mmps_version"]), created=str(tree["created"]),
        config=tree["config"], root=tree["input"]["root"], kind=tree["input"]["kind"],
        classes=list(tree["input"]["classes"]),
        compression=Compression(codec=c["codec"], precision=c["precision"], dtype=c["dtype"], route=c["route"],
                                stages=int(c["stages"]), layout_request=c["layout_request"],
                                rank_profile=c["rank_profile"], layout_search=c.get("layout_search")),
        counts=Counts(int(counts["inputs"]), int(counts["images"]), int(counts["failed"])),
        totals=tree["totals"], stats=tree["stats"], timing=tree["timing"], raw=tree)


def _upgrade_version_one(tree: Dict[str, Any]) -> None:
    """Version 1 had no codecs, precisions, per-image stored bytes or error examples: fill them in as they were."""
    tree.setdefault("error_examples", [])
    compression = tree.get("compression")
    if isinstance(compression, dict):
        compression.setdefault("codec", "mmps")
        compression.setdefault("precision", "fp32")
        compression.setdefault("dtype", "float32")
    totals = tree.get("totals")
    if isinstance(totals, dict) and "stored_bytes_per_image" not in totals:
        images = (tree.get("counts") or {}).get("images", 0) or 0
        totals["stored_bytes_per_image"] = 0.0 if images == 0 else totals.get("stored_bytes", 0) / images


def locate(folder: str) -> str:
    """The manifest file of an output folder (or of the folder holding a ``factors/`` table)."""
    candidate = os.path.join(folder, MANIFEST)
    if not os.path.isfile(candidate) and os.path.basename(os.path.normpath(folder)) == "factors":
        candidate = os.path.join(os.path.dirname(os.path.normpath(folder)), MANIFEST)
    if not os.path.exists(folder):
        raise FormatError(f"{folder} does not exist: pass the folder given to 'mmps compress --output'")
    if not os.path.isfile(candidate):
        raise FormatError(f"{folder} has no {MANIFEST}: it is not a complete mmps output; pass the folder given "
                          "to 'mmps compress --output' (a run that stopped leaves none)")
    return candidate
