"""Reads the synthetic training sets ``mmps condense`` writes (docs/FORMAT.md, "Synthetic sets").

>>> from mmps.synthetic import open_synthetic
>>> s = open_synthetic("out/cifar10-nsd-ipc10")
>>> s.images().shape      # (n, 32, 32, 3) float32, class by class
>>> s.labels().shape      # (n, 10) label distributions (one-hot unless the set learned soft labels)
>>> s.learning_rate       # the students' learned learning rate

A set stores the arrays its method learned; the images are rebuilt from them here with numpy, by the same
formulas as the Java reader.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Dict, List

import numpy as np
import pyarrow.parquet as pq

from .errors import FormatError

FORMAT = "mmps-synthetic"
#: The newest version read: 3 marks MTT-LSS sets of several pairs of mappers and NSD sets whose spectrum tensors
#: are not half the images' sides; 2 is every other Parquet set.
VERSION = 3
FIRST_TABLE_VERSION = 2
MANIFEST = "manifest.json"
TABLE = "arrays.parquet"
METHODS = ("mtt", "nsd", "lss")


@dataclass(frozen=True)
class SyntheticSet:
    """A finished synthetic set: its manifest's facts and its stored arrays."""

    path: str
    method: str
    classes: List[str]
    height: int
    width: int
    channels: int
    images_per_class: int
    soft_labels: bool
    budget_values: int
    stored_values: int
    learning_rate: float
    arrays: Dict[str, np.ndarray]

    def images(self, channels_last: bool = True) -> np.ndarray:
        """The rebuilt images, float32, ``(n, H, W, C)`` (or ``(n, C, H, W)``), class by class."""
        a = self.arrays
        if self.method == "mtt":
            x = a["images"]
        elif self.method == "nsd":
            # Tensor s (class-major), kernel set k, output image u of the stack: sum over the stack (b), channel
            # (d), row (p) and column (q) of the spectrum.
            x = np.einsum("kub,kcd,khp,sbdpq,kqw->skuchw", a["mix"], a["channels"], a["rows"], a["spectrum"],
                          a["columns"], optimize=True)
            x = x.reshape(-1, self.channels, self.height, self.width)
        elif a["row-mappers"].ndim == 3:
            x = np.einsum("chp,ncpq,cqw->nchw", a["row-mappers"], a["bases"], a["column-mappers"], optimize=True)
        else:
            # Several pairs of mappers: the images of class k use pair k * pairs // classes.
            pairs = a["row-mappers"].shape[0]
            n = a["bases"].shape[0]
            group = (np.arange(n) // self.images_per_class) * pairs // len(self.classes)
            x = np.einsum("nchp,ncpq,ncqw->nchw", a["row-mappers"][group], a["bases"], a["column-mappers"][group],
                          optimize=True)
        x = np.ascontiguousarray(x, dtype=np.float32)
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if channels_last else x

    def labels(self) -> np.ndarray:
        """The label distribution of every image, ``(n, classes)`` float32."""
        if self.soft_labels:
            logits = self.arrays["label-logits"].astype(np.float64)
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        n = self.images_per_class * len(self.classes)
        return np.eye(len(self.classes), dtype=np.float32)[np.arange(n) // self.images_per_class]

    def label_ids(self) -> np.ndarray:
        """The class of every image (its most likely one under soft labels), int64."""
        return self.labels().argmax(axis=1).astype(np.int64)


def open_synthetic(path: str) -> SyntheticSet:
    """Opens the set in folder ``path``; raises :class:`FormatError` for anything but a finished set."""
    manifest_path = os.path.join(path, MANIFEST)
    if not os.path.isfile(manifest_path):
        raise FormatError(f"{path} holds no finished synthetic set (no {MANIFEST}): run 'mmps condense --out "
                          f"{path}' to make or finish it")
    try:
        with open(manifest_path) as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        raise FormatError(f"{manifest_path} is damaged ({e}): condense the set again into an empty folder") from e
    if m.get("format") != FORMAT:
        raise FormatError(f"{manifest_path} is not a synthetic set's manifest (format {m.get('format')!r}, "
                          f"expected {FORMAT})")
    version = m.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise FormatError(f"{manifest_path} is of version {version}, newer than this reader reads ({VERSION}): "
                          "upgrade the mmps package")
    if version < FIRST_TABLE_VERSION:
        raise FormatError(f"{manifest_path} is of version {version}, from before synthetic sets were Parquet "
                          "tables: condense it again into an empty folder")
    if m.get("method") not in METHODS:
        raise FormatError(f"{manifest_path} names method {m.get('method')!r}, which this reader does not know "
                          f"({', '.join(METHODS)}): upgrade the mmps package")
    table_path = os.path.join(path, TABLE)
    try:
        t = pq.read_table(table_path)
    except (OSError, ValueError) as e:
        raise FormatError(f"cannot read {table_path} ({e}): the set is damaged; condense it again into an empty "
                          "folder") from e
    arrays: Dict[str, np.ndarray] = {}
    for name, shape, blob in zip(t.column("name").to_pylist(), t.column("shape").to_pylist(),
                                 t.column("values").to_pylist()):
        values = np.frombuffer(blob, dtype="<f4")
        if values.size != int(np.prod(shape)):
            raise FormatError(f"{table_path} is damaged: array {name} holds {values.size} values for shape "
                              f"{shape}; condense the set again into an empty folder")
        arrays[name] = values.reshape(shape)
    for entry in m["arrays"]:
        found = arrays.get(entry["name"])
        if found is None or list(found.shape) != list(entry["shape"]):
            raise FormatError(f"{table_path} does not hold array {entry['name']} of shape {entry['shape']} that "
                              f"{MANIFEST} lists: the set is damaged; condense it again into an empty folder")
    return SyntheticSet(path=path, method=m["method"], classes=list(m["classes"]), height=m["height"],
                        width=m["width"], channels=m["channels"], images_per_class=m["images_per_class"],
                        soft_labels=bool(m["soft_labels"]), budget_values=m["budget_values"],
                        stored_values=m["stored_values"], learning_rate=m["learning_rate"], arrays=arrays)
