"""The code in the guides runs as written."""

import pathlib
import re
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

DOCS = pathlib.Path(__file__).parent.parent / "docs"
GUIDES = ["callbacks.md", "autoencoder.md"]  # the guides whose code runs on its own
OPTIONAL = {"optuna", "optuna_integration"}  # what a guide's block may import from extras


def code_blocks(name):
    return re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), flags=re.DOTALL)


@pytest.mark.parametrize("name", GUIDES)
def test_guide_code_runs(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = code_blocks(name)
    assert blocks
    namespace = {"checkpoints": str(tmp_path / "checkpoints")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for block in blocks:
            try:
                exec(compile(block, f"{name}", "exec"), namespace)
            except ModuleNotFoundError as error:
                if error.name not in OPTIONAL:
                    raise  # a block that needs an extra is skipped where it is missing
