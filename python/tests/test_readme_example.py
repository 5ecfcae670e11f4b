"""The package README's worked example runs as written, on a factor table and, one line changed, on the
original images."""

from __future__ import annotations

import re

import pytest

from conftest import GOLDEN, REPO


def example() -> str:
    text = (REPO / "python" / "README.md").read_text()
    section = text[text.index("## A worked example"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.parametrize("source", ["factors", "originals"])
def test_the_worked_example_trains(source: str, capsys):
    code = example()
    factors_line = next(line for line in code.splitlines() if line.startswith("data = FactorDataset("))
    originals_line = next(line for line in code.splitlines() if line.startswith("# data = ImageFolderDataset("))
    code = code.replace('"out/cifar10-sample"', repr(str(GOLDEN / "v1")))
    code = code.replace('"samples/cifar10"', repr(str(REPO / "samples" / "cifar10")))
    if source == "originals":  # the one line a user changes
        code = code.replace(factors_line.replace('"out/cifar10-sample"', repr(str(GOLDEN / "v1"))), "")
        code = code.replace("# data = ImageFolderDataset(", "data = ImageFolderDataset(")
    assert originals_line  # the README shows the swap
    exec(compile(code, "python/README.md", "exec"), {"__name__": "example"})
    lines = capsys.readouterr().out.split("\n")
    losses = [float(line.split()[1]) for line in lines if line.strip()]
    assert len(losses) == 5 and all(loss == loss and loss > 0 for loss in losses)
