"""The one exception the reader raises for tables it cannot read."""


class FormatError(ValueError):
    """A path is not a readable mmps table: the message names the path, what is wrong and what to do.

    Raised for a folder that is not an mmps output, a manifest of a newer schema version or lacking
    a key, a row of an unknown codec or dtype, a damaged factor, and a Parquet file that cannot be
    read. Bugs in this package raise other exceptions.
    """
