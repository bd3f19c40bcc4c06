"""Read candidate files (YAML, TOML, JSON) into Candidates, exactly, or into errors that say what to fix.

Decimals are kept exact: ``0.05`` in any of the three formats becomes ``Fraction(1, 20)``.
One bad candidate never hides the others in the same file.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import itertools
import json
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from .candidate import OPERATORS, Candidate, CandidateError, KillCriterion
from .exact import NotExact, decimal_string, exact
from .gate import Param
from .method import Method

SUFFIXES = (".yaml", ".yml", ".toml", ".json")
FIELDS = ("id", "model", "method", "params", "kill_criteria", "sweep", "requires", "description")
REQUIREMENTS = ("gpu",)

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ExactYamlLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader whose floats are exact Fractions (NaN/inf stay floats, to be rejected)."""

    _resolved: dict[tuple[str, Any], str] = {}  # scalar text -> implicit tag; keys and values repeat a lot

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(self._resolved) < 65_536:
                self._resolved[key] = tag
        return tag


def _construct_exact_float(loader: yaml.Loader, node: yaml.Node) -> Any:
    text = loader.construct_scalar(node)
    try:
        return exact(text)
    except NotExact:
        return yaml.SafeLoader.construct_yaml_float(loader, node)


_ExactYamlLoader.add_constructor("tag:yaml.org,2002:float", _construct_exact_float)
# YAML 1.1 reads "1e-3" (no dot) as a string; read it as the number the user meant.
_ExactYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"), list("-+0123456789")
)


class _Unusual(Exception):
    """A YAML feature the fast path leaves to PyYAML's own constructor."""


_TAG = "tag:yaml.org,2002:"
_DEEP = 64


def _plain(loader: _ExactYamlLoader, node: yaml.Node, depth: int = 0) -> Any:
    """Build the Python value of a composed node of plain data (str, int, exact float, bool,
    null, lists, mappings), as PyYAML's SafeConstructor would, without its per-node machinery.

    Anything else (merge keys, timestamps, binary, sets, explicit tags, non-scalar keys, deep
    or recursive aliases) raises :class:`_Unusual` and the caller constructs the document with
    PyYAML instead."""
    if depth > _DEEP:
        raise _Unusual
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _TAG + "str":
            return node.value
        if tag == _TAG + "float":
            return _construct_exact_float(loader, node)
        if tag == _TAG + "int":
            return loader.construct_yaml_int(node)
        if tag == _TAG + "bool":
            return loader.construct_yaml_bool(node)
        if tag == _TAG + "null":
            return None
    elif isinstance(node, yaml.SequenceNode) and tag == _TAG + "seq":
        return [_plain(loader, item, depth + 1) for item in node.value]
    elif isinstance(node, yaml.MappingNode) and tag == _TAG + "map":
        out = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == _TAG + "merge":
                raise _Unusual
            out[_plain(loader, key, depth + 1)] = _plain(loader, value, depth + 1)
        return out
    raise _Unusual


def _load_yaml(text: str) -> Any:
    """``yaml.load(text, Loader=_ExactYamlLoader)``, with a fast path for plain data."""
    loader = _ExactYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _plain(loader, node)
        except _Unusual:
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is parsed and validated.

    Loading allocates many short-lived containers, and each burst of allocations triggers a
    collection that walks every live object of the session, so loading 10,000 candidates into
    one pytest session became quadratic-ish (the Mercurial ``nogc`` trick; refcounting still
    frees the garbage at once)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_document(path: Path, text: str) -> Any:
    """Parse one file by its suffix; raise ValueError with the parser's position on bad syntax."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            return _load_yaml(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"invalid YAML: {exc}") from None
    if suffix == ".toml":
        try:
            return tomllib.loads(text, parse_float=exact)
        except (tomllib.TOMLDecodeError, NotExact) as exc:
            raise ValueError(f"invalid TOML: {exc}") from None
    if suffix == ".json":
        try:
            return json.loads(text, parse_float=exact, parse_constant=_reject_constant)
        except (json.JSONDecodeError, NotExact, ValueError) as exc:
            raise ValueError(f"invalid JSON: {exc}") from None
    raise ValueError(f"unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}")


@dataclass
class Schema:
    """What a candidate may say: the known methods and the params every gate reads."""

    methods: Mapping[str, Method]
    gate_params: Mapping[str, list[Param]] = field(default_factory=dict)
    _known: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def known_keys(self, method: Method) -> frozenset[str]:
        keys = self._known.get(method.name)
        if keys is None:
            keys = self._known[method.name] = frozenset(self.gate_params) | frozenset(method.all_knobs)
        return keys


def load_file(path: Path, schema: Schema) -> list[Candidate | CandidateError]:
    """All candidates of one file, sweeps expanded, in file order, with errors in place."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [CandidateError(path, None, None, f"cannot read file: {exc}")]
    return load_bytes(path, raw, schema)


def load_bytes(path: Path, raw: bytes, schema: Schema) -> list[Candidate | CandidateError]:
    """As :func:`load_file`, for content read elsewhere (e.g. an older git revision)."""
    with _no_gc():
        return _load_bytes(path, raw, schema)


def _load_bytes(path: Path, raw: bytes, schema: Schema) -> list[Candidate | CandidateError]:
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [CandidateError(path, None, None, f"file is not UTF-8 text: {exc}")]
    if not text.strip():
        return [CandidateError(path, None, None, "file is empty; write one candidate or a 'candidates:' list")]
    try:
        doc = parse_document(path, text)
    except ValueError as exc:
        return [CandidateError(path, None, None, str(exc))]
    if doc is None:
        return [CandidateError(path, None, None, "file holds no data; write one candidate or a 'candidates:' list")]
    if isinstance(doc, Mapping) and "candidates" in doc:
        extra = sorted(set(doc) - {"candidates"})
        if extra:
            return [CandidateError(path, None, None, f"a file with a 'candidates' list may hold nothing else; remove {extra}")]
        entries = doc["candidates"]
        if not isinstance(entries, list) or not entries:
            return [CandidateError(path, None, "candidates", "must be a non-empty list of candidates")]
    elif isinstance(doc, Mapping):
        entries = [doc]
    else:
        return [CandidateError(path, None, None,
                               f"top level is a {type(doc).__name__}; write one candidate (a mapping) or 'candidates: [...]'")]
    out: list[Candidate | CandidateError] = []
    for index, entry in enumerate(entries):
        out.extend(_load_entry(path, sha, index, entry, schema))
    return out


class _Bad(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _load_entry(path: Path, sha: str, index: int, entry: Any, schema: Schema) -> Iterator[Candidate | CandidateError]:
    label = f"#{index + 1}"
    if not isinstance(entry, Mapping):
        yield CandidateError(path, label, None, f"a candidate must be a mapping, got {type(entry).__name__}")
        return
    cid = entry.get("id")
    if isinstance(cid, str) and cid.strip():
        label = cid
    try:
        base = _validate(entry, schema)
    except _Bad as bad:
        yield CandidateError(path, label, bad.field, bad.message)
        return
    sweep = entry.get("sweep")
    if sweep is None:
        yield _build(path, sha, base, base["params"], {})
        return
    try:
        keys, axes = _validate_sweep(sweep, base, schema)
    except _Bad as bad:
        yield CandidateError(path, label, bad.field, bad.message)
        return
    for combo in itertools.product(*axes):
        point = dict(zip(keys, combo))
        params = {**base["params"], **point}
        sid = f"{base['id']}[{','.join(f'{k}={render(v)}' for k, v in point.items())}]"
        try:
            checked = _check_params(params, schema, base["method_spec"], "params")
        except _Bad as bad:
            yield CandidateError(path, sid, bad.field, bad.message)
            continue
        yield _build(path, sha, {**base, "id": sid}, checked, point)


def _build(path: Path, sha: str, base: dict[str, Any], params: Mapping[str, Any], point: Mapping[str, Any]) -> Candidate:
    return Candidate(
        id=base["id"],
        model=base["model"],
        method=base["method"],
        params=params,
        kill_criteria=base["kill_criteria"],
        source=path,
        file_sha256=sha,
        requires=base["requires"],
        description=base["description"],
        sweep_point=dict(point),
    )


def render(value: Any) -> str:
    """A value as it appears in an expanded id: ``0.05``, ``1/3``, ``64``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return decimal_string(value) or f"{value.numerator}/{value.denominator}"
    return str(value)


def _validate(entry: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    unknown = [k for k in entry if k not in FIELDS]
    if unknown:
        k = str(unknown[0])
        raise _Bad(k, f"unknown field{_did_you_mean(k, FIELDS)}; allowed fields: {', '.join(FIELDS)}")
    out: dict[str, Any] = {}
    for name in ("id", "model", "method"):
        if name not in entry:
            raise _Bad(name, f"missing required field '{name}'")
        value = entry[name]
        if not isinstance(value, str) or not value.strip():
            raise _Bad(name, f"must be a non-empty string, got {_typename(value)} {value!r}")
        out[name] = value.strip()
    if any(c in out["id"] for c in "[]:/\\") or any(c.isspace() for c in out["id"]):
        raise _Bad("id", f"{out['id']!r} may not contain spaces or any of [ ] : / \\ (they break test ids)")
    method = schema.methods.get(out["method"])
    if method is None:
        raise _Bad("method", f"unknown method {out['method']!r}{_did_you_mean(out['method'], schema.methods)}; "
                             f"known methods: {', '.join(sorted(schema.methods))}")
    out["method_spec"] = method
    params = entry.get("params", {})
    if not isinstance(params, Mapping):
        raise _Bad("params", f"must be a mapping of name: value, got {_typename(params)}")
    out["params"] = _check_params(params, schema, method, "params")
    out["kill_criteria"] = _validate_criteria(entry.get("kill_criteria"))
    out["requires"] = _validate_requires(entry.get("requires", ()))
    desc = entry.get("description", "")
    if not isinstance(desc, str):
        raise _Bad("description", f"must be a string, got {_typename(desc)}")
    out["description"] = desc
    return out


def _check_params(params: Mapping[str, Any], schema: Schema, method: Method, where: str) -> dict[str, Any]:
    known = schema.known_keys(method)
    checked: dict[str, Any] = {}
    for key, value in params.items():
        key = str(key)
        if key not in known:
            raise _Bad(f"{where}.{key}", f"no gate and no knob of method {method.name!r} reads {key!r}"
                                        f"{_did_you_mean(key, known)}; known params: {', '.join(sorted(known))}")
        checked[key] = _check_value(f"{where}.{key}", key, value, schema)
    return checked


def _check_value(field_name: str, key: str, value: Any, schema: Schema) -> Any:
    specs = schema.gate_params.get(key)
    if specs:
        converted = value
        for spec in specs:
            try:
                converted = spec.convert(value)
            except ValueError as exc:
                raise _Bad(field_name, str(exc)) from None
        return converted
    _reject_non_finite(field_name, value)
    return value


def _reject_non_finite(field_name: str, value: Any) -> None:
    if isinstance(value, float):  # our loaders keep finite decimals as Fractions
        raise _Bad(field_name, f"must be a finite number, got {value!r}")
    if isinstance(value, list):
        for i, v in enumerate(value):
            _reject_non_finite(f"{field_name}[{i}]", v)
    if isinstance(value, Mapping):
        for k, v in value.items():
            _reject_non_finite(f"{field_name}.{k}", v)


def _validate_criteria(raw: Any) -> tuple[KillCriterion, ...]:
    if raw is None:
        raise _Bad("kill_criteria", "missing required field 'kill_criteria': pre-register at least one "
                                    "{metric, op, threshold} before anything runs")
    if not isinstance(raw, list) or not raw:
        raise _Bad("kill_criteria", "must be a non-empty list of {metric, op, threshold}")
    out = []
    for i, item in enumerate(raw):
        where = f"kill_criteria[{i}]"
        if not isinstance(item, Mapping):
            raise _Bad(where, f"must be a mapping {{metric, op, threshold}}, got {_typename(item)}")
        extra = sorted(set(map(str, item)) - {"metric", "op", "threshold"})
        if extra:
            raise _Bad(f"{where}.{extra[0]}", "unknown key; a criterion has exactly metric, op, threshold")
        metric, op, threshold = item.get("metric"), item.get("op"), item.get("threshold")
        if not isinstance(metric, str) or not metric.strip():
            raise _Bad(f"{where}.metric", f"must be a non-empty string, got {_typename(metric)} {metric!r}")
        if op not in OPERATORS:
            raise _Bad(f"{where}.op", f"must be one of {' '.join(OPERATORS)}, got {op!r}")
        try:
            q = exact(threshold)
        except NotExact as exc:
            raise _Bad(f"{where}.threshold", str(exc)) from None
        out.append(KillCriterion(metric.strip(), op, q))
    return tuple(out)


def _validate_requires(raw: Any) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or not all(isinstance(r, str) for r in items):
        raise _Bad("requires", f"must be a string or a list of strings, got {_typename(raw)}")
    for r in items:
        if r not in REQUIREMENTS:
            raise _Bad("requires", f"unknown requirement {r!r}; known: {', '.join(REQUIREMENTS)}")
    return tuple(items)


def _validate_sweep(sweep: Any, base: Mapping[str, Any], schema: Schema) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(sweep, Mapping) or not sweep:
        raise _Bad("sweep", f"must be a non-empty mapping of param: [values], got {_typename(sweep)}")
    known = set(schema.known_keys(base["method_spec"]))
    keys, axes = [], []
    for key, values in sweep.items():
        key = str(key)
        if key not in known:
            raise _Bad(f"sweep.{key}", f"sweep over unknown key {key!r}{_did_you_mean(key, known)}: no gate and no knob "
                                       f"of method {base['method']!r} reads it; known params: {', '.join(sorted(known))}")
        if not isinstance(values, list) or not values:
            raise _Bad(f"sweep.{key}", f"must be a non-empty list of values, got {_typename(values)}")
        keys.append(key)
        axes.append(values)
    return keys, axes


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _typename(value: Any) -> str:
    if isinstance(value, Fraction):
        return "number"
    return type(value).__name__
