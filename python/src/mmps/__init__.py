"""Reads mmps factor tables: images compressed into matrix product states, stored in Parquet.

>>> import mmps
>>> table = mmps.open("out/cifar10")
>>> for batch in table.batches(256):
...     batch.images.shape          # (256, 32, 32, 3), float32 on [0, 1]

``mmps.torch.FactorDataset`` (``pip install ./python[torch]``) serves the same rows to PyTorch, and
``mmps.open_synthetic`` reads the synthetic training sets ``mmps condense`` learns.
"""

from .errors import FormatError
from .manifest import SCHEMA_VERSION, Manifest
from .synthetic import SyntheticSet, open_synthetic
from .table import Batch, Row, Table, Unit, open_table as open

__all__ = ["open", "open_synthetic", "Table", "Batch", "Row", "Unit", "Manifest", "SyntheticSet", "FormatError",
           "SCHEMA_VERSION"]
__version__ = "0.1.0"
