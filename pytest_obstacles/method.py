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


BUILTIN_METHODS = (
    Method("lowrank", ("rank", "energy"), "truncated SVD of each targeted weight"),
    Method("quant", ("bits", "group_size", "symmetric"), "uniform quantisation"),
    Method("srht_quant", ("bits", "group_size", "symmetric"),
           "random signs + fast Walsh-Hadamard rotation, then uniform quantisation"),
    Method("prune_channels", ("keep_fraction",), "structured pruning of MLP channels by norm"),
    Method("prune_experts", ("keep_experts",), "MoE expert pruning by router mass"),
)
