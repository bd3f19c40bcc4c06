"""The trust audit: source constructs that break trust, and the axiom audit.

Lean accepting a file is not enough: ``sorry`` compiles (with a warning), ``axiom`` asserts
anything, ``native_decide`` trusts compiled code, ``implemented_by``/``extern``/``unsafe``
swap in unverified code, ``debug.skipKernelTC`` turns the kernel off, and a metaprogram can
add declarations by other routes. :func:`scan` finds each of these in a module's code, with
comments and string literals stripped first (a docstring that says "no sorry" is fine).
The list is deliberately conservative: a false alarm costs a rename, a miss costs a wrong kill.

With native Lean, :func:`parse_axioms` reads ``#print axioms`` output; only
:data:`ALLOWED_AXIOMS` may appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALLOWED_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})

_IDENT = r"\w'!?"
_BEFORE = rf"(?<![{_IDENT}])"
_AFTER = rf"(?![{_IDENT}])"


def _word(w: str) -> str:
    return _BEFORE + re.escape(w) + _AFTER


@dataclass(frozen=True)
class TrustBreaker:
    label: str
    pattern: re.Pattern
    reason: str


BREAKERS: tuple[TrustBreaker, ...] = tuple(TrustBreaker(label, re.compile(rx), reason) for label, rx, reason in [
    ("sorry", _word("sorry"), "a proof hole"),
    ("sorryAx", _word("sorryAx"), "a proof hole"),
    ("admit", _word("admit"), "a proof hole"),
    ("axiom", _word("axiom"), "asserts a statement without proof"),
    ("native_decide", _word("native_decide"), "trusts compiled code instead of the kernel"),
    ("decide +native", _BEFORE + r"decide\s*\+\s*native" + _AFTER, "trusts compiled code instead of the kernel"),
    ("native := true", _BEFORE + r"native\s*:=\s*true" + _AFTER, "trusts compiled code instead of the kernel"),
    *[(w, _word(w), "trusts the compiler (native evaluation)")
      for w in ("ofReduceBool", "ofReduceNat", "reduceBool", "reduceNat", "trustCompiler")],
    ("implemented_by", _word("implemented_by"), "replaces a definition by unverified code"),
    ("extern", _word("extern"), "replaces a definition by foreign code"),
    ("unsafe", _word("unsafe"), "bypasses the kernel's checks"),
    ("debug.skipKernelTC", _BEFORE + r"debug\.skipKernelTC" + _AFTER, "turns off kernel type checking"),
    *[(w, _word(w), "a metaprogram that can add declarations without the usual checks")
      for w in ("run_cmd", "run_elab", "run_meta", "elab", "elab_rules", "initialize", "builtin_initialize",
                "addDeclWithoutChecking")],
    ("#eval", r"#eval!?" + _AFTER, "a metaprogram that can add declarations without the usual checks"),
])

_SET_OPTION = re.compile(_BEFORE + r"set_option\s+(?P<opt>[\w.]+)")


def weakening_option(name: str) -> bool:
    """Options that weaken checking: every ``debug.*`` (skipKernelTC, byAsSorry, ...), ``kernel.*``, ``trust``."""
    return name.startswith(("debug.", "kernel.")) or name == "trust"


@dataclass(frozen=True)
class Finding:
    """One trust breaker at ``path:line``."""

    path: str
    line: int
    breaker: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: `{self.breaker}` ({self.reason})"


def scan(text: str, path: str) -> list[Finding]:
    """Every trust breaker in ``text``'s code (comments and strings ignored), in source order."""
    code = strip_comments_and_strings(text)
    starts = [0] + [m.end() for m in re.finditer("\n", code)]

    def line_of(pos: int) -> int:
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    found: list[tuple[int, Finding]] = []
    for b in BREAKERS:
        for m in b.pattern.finditer(code):
            found.append((m.start(), Finding(path, line_of(m.start()), b.label, b.reason)))
    for m in _SET_OPTION.finditer(code):
        opt = m.group("opt")
        if weakening_option(opt) and opt != "debug.skipKernelTC":  # that one is reported by its own rule
            found.append((m.start(), Finding(path, line_of(m.start()), f"set_option {opt}",
                                             "an option that weakens checking")))
    return [f for _, f in sorted(found, key=lambda t: t[0])]


# -- comments and string literals ---------------------------------------------------------
_CHAR = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'")
_RAW = re.compile(r'r(#*)"')
_IDENT_CHAR = re.compile(rf"[{_IDENT}]")


def strip_comments_and_strings(text: str) -> str:
    """``text`` with comments, string and char literals blanked to spaces; newlines and offsets kept.

    Handles nested ``/- -/`` (and doc) comments, escapes, raw strings ``r#"..."#``, char
    literals, and interpolated strings (``s!"..{code}.."``), whose ``{...}`` stay code.
    """
    out = list(text)
    n = len(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    def ident_before(i: int) -> bool:
        return i > 0 and bool(_IDENT_CHAR.match(text[i - 1]))

    def block_end(i: int) -> int:
        depth, j = 0, i
        while j < n:
            if text.startswith("/-", j):
                depth += 1
                j += 2
            elif text.startswith("-/", j):
                depth -= 1
                j += 2
                if depth == 0:
                    return j
            else:
                j += 1
        return n

    def string(i: int, interpolated: bool) -> int:
        seg = i
        i += 1
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == '"':
                blank(seg, i + 1)
                return i + 1
            if interpolated and c == "{":
                blank(seg, i + 1)
                j = code(i + 1, in_braces=True)
                seg, i = j, j + 1
                continue
            i += 1
        blank(seg, n)
        return n

    def code(i: int, in_braces: bool = False) -> int:
        depth = 0
        while i < n:
            c = text[i]
            if c == "-" and text.startswith("--", i):
                j = text.find("\n", i)
                j = n if j < 0 else j
                blank(i, j)
                i = j
            elif c == "/" and text.startswith("/-", i):
                j = block_end(i)
                blank(i, j)
                i = j
            elif c == '"':
                i = string(i, interpolated=i > 0 and text[i - 1] == "!")
            elif c == "r" and not ident_before(i) and (m := _RAW.match(text, i)):
                close = '"' + m.group(1)
                j = text.find(close, m.end())
                j = n if j < 0 else j + len(close)
                blank(i, j)
                i = j
            elif c == "'" and not ident_before(i) and (m := _CHAR.match(text, i)):
                blank(i, m.end())
                i = m.end()
            elif in_braces and c == "{":
                depth += 1
                i += 1
            elif in_braces and c == "}":
                if depth == 0:
                    return i
                depth -= 1
                i += 1
            else:
                i += 1
        return n

    code(0)
    return "".join(out)


# -- the axiom audit (native Lean) ---------------------------------------------------------
_DEPENDS = re.compile(r"'(?P<name>[^'\n]+)' depends on axioms: \[(?P<axioms>[^\]]*)\]")
_NO_AXIOMS = re.compile(r"'(?P<name>[^'\n]+)' does not depend on any axioms")


def parse_axioms(output: str) -> dict[str, list[str]]:
    """``#print axioms`` output -> {declaration: [axioms]}."""
    result: dict[str, list[str]] = {}
    for m in _DEPENDS.finditer(output):
        result[m.group("name")] = [a.strip() for a in m.group("axioms").replace("\n", " ").split(",") if a.strip()]
    for m in _NO_AXIOMS.finditer(output):
        result.setdefault(m.group("name"), [])
    return result


def disallowed_axioms(axioms: list[str]) -> list[str]:
    return [a for a in axioms if a not in ALLOWED_AXIOMS]
