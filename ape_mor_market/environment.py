"""The project's toolchain, found by Ape without any variable: the compiler adapter and anvil
live inside the project (`.solcx/`, `node_modules/`), installed by `./dev setup`."""

from __future__ import annotations

import atexit
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLCX = ROOT / ".solcx"
ANVIL_BIN = ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin"
DEPENDENCY_COPY = ROOT / "contracts" / ".cache"


def clear_dependency_copy() -> None:
    """ape-solidity copies OpenZeppelin (507 files) into contracts/.cache when it computes import
    remappings outside its isolated compile; Ape lists at most 500 files under contracts/, so with
    the copy there it silently loses the project's own interfaces, libraries and mocks."""
    shutil.rmtree(DEPENDENCY_COPY, ignore_errors=True)


def prepare() -> None:
    """Called once when Ape loads the plugin."""
    os.environ.setdefault("SOLCX_BINARY_PATH", str(SOLCX))
    # The platform binary of anvil, not the npm launcher (stopping a launcher can leave the node running).
    path = os.environ.get("PATH", "")
    if str(ANVIL_BIN) not in path.split(os.pathsep):
        os.environ["PATH"] = f"{ANVIL_BIN}{os.pathsep}{path}" if path else str(ANVIL_BIN)
    clear_dependency_copy()
    atexit.register(clear_dependency_copy)
