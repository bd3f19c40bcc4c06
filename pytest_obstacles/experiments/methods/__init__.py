"""Built-in compression methods, one module each, found by method name.

Every module defines ``compress(ctx: Context) -> MethodResult`` (see :mod:`.base`); the
engine imports the module only when a candidate of that method is measured. The method
names and knobs are declared, torch-free, in :data:`pytest_obstacles.method.BUILTIN_METHODS`.
"""

from __future__ import annotations

import importlib
from typing import Callable

MODULES = {
    "lowrank": "lowrank",
    "quant": "quant",
    "srht_quant": "srht",
    "prune_channels": "prune_channels",
    "prune_experts": "prune_experts",
}


def compressor(method: str) -> Callable | None:
    """The ``compress`` function of a built-in method, or None when the method is not built in."""
    module = MODULES.get(method)
    if module is None:
        return None
    return importlib.import_module(f"{__name__}.{module}").compress
