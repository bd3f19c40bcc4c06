"""pytest-obstacles: machine-checked theorems in front of expensive ML compression experiments."""

from .candidate import Candidate, CandidateError, KillCriterion
from .gate import Gate, Param
from .measurement import Measurement
from .method import Method
from .trust import GateTrust
from .verdict import Verdict

__all__ = ["Candidate", "CandidateError", "Gate", "GateTrust", "KillCriterion", "Measurement", "Method", "Param",
           "Verdict"]
__version__ = "0.1.0"
