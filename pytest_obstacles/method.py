"""Plain data: a compression method a candidate can name, and the knobs it reads."""

from __future__ import annotations

from dataclasses import dataclass

#: Knobs every method accepts.
COMMON_KNOBS = ("seed", "targets", "batch_size", "sequence_length")


@dataclass(frozen=True)
class Method:
    """A method name and the ``params`` keys it reads (besides the ones gates read)."""

    name: str
    knobs: tuple[str, ...] = ()
    doc: str = ""

    @property
    def all_knobs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.knobs + COMMON_KNOBS))


#: The built-in methods (measured by :mod:`pytest_obstacles.experiments`; knobs documented in docs/experiments.md).
BUILTIN_METHODS = (
    Method("lowrank", ("rank", "energy"), "truncated SVD of each targeted weight (rank r, or the energy fraction kept)"),
    Method("quant", ("bits", "group_size", "symmetric"), "uniform round-to-nearest quantisation in groups"),
    Method("srht_quant", ("bits", "group_size", "symmetric", "block_size"),
           "random signs + fast Walsh-Hadamard rotation, then uniform quantisation"),
    Method("prune_channels", ("keep_fraction", "score"), "structured pruning of MLP channels (activation- or weight-scored)"),
    Method("prune_experts", ("keep_experts",), "MoE expert pruning by calibration router mass"),
)
