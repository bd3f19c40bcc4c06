"""Lean's console output as data: messages with file, line, column and severity.

Both backends print ``file:line:col: error: text`` (the WebAssembly build adds an error tag,
``error(lean.unknownIdentifier): ...``), with continuation lines for multi-line messages.
The WebAssembly build also prints ``[DEBUG...]`` lines and echoes the first 200 characters
of the input file; :func:`parse_output` drops both, so an echoed source line can never be
mistaken for a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SEVERITIES = ("error", "warning", "info", "information")
SORRY_WARNING = "declaration uses `sorry`"
_POSITIONED = re.compile(
    r"^(?P<file>[^\s:][^:\n]*?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info|information)"
    r"(?:\((?P<tag>[^)\n]*)\))?: ?(?P<text>.*)$")
_BARE = re.compile(r"^(?P<sev>error|warning)(?:\((?P<tag>[^)\n]*)\))?: (?P<text>.*)$")
_ECHO_START = "Input file content (first"


@dataclass(frozen=True)
class LeanMessage:
    """One diagnostic. ``file`` and ``line`` are None for messages without a position."""

    severity: str  # "error", "warning" or "info"
    text: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    tag: str | None = None  # e.g. "lean.unknownIdentifier"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def is_sorry(self) -> bool:
        return self.severity == "warning" and self.text.startswith(SORRY_WARNING)

    def first_line(self) -> str:
        return self.text.splitlines()[0] if self.text else ""

    def where(self) -> str:
        if self.file is None:
            return "(no position)"
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.where()}: {self.severity}: {self.text}"


@dataclass
class LeanRun:
    """The outcome of one Lean process on one file."""

    file: str
    returncode: int
    messages: list[LeanMessage] = field(default_factory=list)
    other_output: list[str] = field(default_factory=list)  # non-noise lines that are not messages
    seconds: float = 0.0
    command: list[str] = field(default_factory=list)
    output: str = ""  # the raw combined output, for parsers that need more than messages (axioms)

    @property
    def errors(self) -> list[LeanMessage]:
        return [m for m in self.messages if m.is_error]

    @property
    def sorries(self) -> list[LeanMessage]:
        return [m for m in self.messages if m.is_sorry]

    @property
    def ok(self) -> bool:
        """Lean accepted the file: exit status 0 and no error message."""
        return self.returncode == 0 and not self.errors

    def failure_lines(self, limit: int = 5) -> list[str]:
        """Short descriptions of why the run failed (errors first; else the exit status and output tail)."""
        lines = [f"{m.where()}: {m.first_line()}" for m in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"... and {len(self.errors) - limit} more errors")
        if not lines and self.returncode != 0:
            tail = " | ".join(self.other_output[-3:]) or "no output"
            lines.append(f"Lean exited with status {self.returncode} on {self.file}: {tail}")
        return lines


def parse_output(text: str) -> tuple[list[LeanMessage], list[str]]:
    """Split Lean's combined stdout+stderr into messages and other (non-noise) lines."""
    messages: list[LeanMessage] = []
    other: list[str] = []
    current: dict | None = None
    in_echo = False

    def flush() -> None:
        nonlocal current
        if current is not None:
            sev = "info" if current["sev"] == "information" else current["sev"]
            messages.append(LeanMessage(severity=sev, text="\n".join(current["text"]).rstrip(),
                                        file=current["file"], line=current["line"], column=current["col"],
                                        tag=current["tag"]))
            current = None

    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith("[DEBUG"):
            flush()
            # The WASM build echoes the input's first 200 characters after this line, up to the next [DEBUG line.
            in_echo = _ECHO_START in line
            continue
        if in_echo:
            continue
        m = _POSITIONED.match(line)
        if m:
            flush()
            current = {"sev": m["sev"], "tag": m["tag"], "file": m["file"], "line": int(m["line"]),
                       "col": int(m["col"]), "text": [m["text"]]}
            continue
        m = _BARE.match(line)
        if m:
            flush()
            current = {"sev": m["sev"], "tag": m["tag"], "file": None, "line": None, "col": None,
                       "text": [m["text"]]}
            continue
        if current is not None:
            current["text"].append(line)
        elif line.strip():
            other.append(line)
    flush()
    return messages, other
