"""One validation layer for every configuration node: shape first, then each value.

Each field is declared once, as a `Spec` (kind, range, allowed choices, unit, meaning): the
market dataclasses carry theirs in ``dataclasses.field(metadata=...)`` (see `declared`); the
commands' options are declared with the same `Spec` in `experiments.options.declared` (this
library knows no command). The same declarations check values
(`check_value`, `record_values`, `validate_options`) and generate docs/configuration.md
(``python -m sim.configdoc > docs/configuration.md``), so the docs cannot drift from the checks.

Rules every check follows (issue 13): a node's shape (mapping, list, scalar) is checked before
its values are read; numbers are finite (NaN and inf refused) and inside a documented range;
``true``/``false`` are not numbers and numbers are not booleans; unknown keys are errors with a
"did you mean" suggestion; sizes are checked against the memory of this machine
(`check_memory`). Every failure is one `ConfigError` line naming the field. No Hydra here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.errors import ConfigError

KINDS = ("number", "integer", "boolean", "text", "choice", "date", "list", "node", "path")


@dataclass(frozen=True)
class Spec:
    """What one configuration field may hold, and what it means (declared once)."""

    kind: str
    doc: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    unit: str = ""
    nullable: bool = False
    item: Spec | None = None
    min_items: int = 0
    max_items: int | None = None
    single_ok: bool = False
    """A list that may also be given as one item (``policies=gift_budget``)."""
    noun: str = ""
    """What a number is called in messages ('a probability'); default 'a number'/'an integer'."""
    type_name: str = ""
    """For documentation only: the type a `node` holds (e.g. 'list of stores')."""
    pattern: str = ""
    """A text must match this regular expression in full (`pattern_text` says it in words)."""
    pattern_text: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:  # pragma: no cover - a programming error
            raise ValueError(f"unknown spec kind {self.kind!r}")

    # ------------------------------------------------------------------ wording
    def range_text(self) -> str:
        """The allowed values in words, as used in error messages and in the docs."""
        if self.kind in ("number", "integer"):
            word = self.noun or ("a number" if self.kind == "number" else "an integer")
            lo, hi = self.low, self.high
            if lo is not None and hi is not None:
                left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
                text = f"{word} in {left}{_g(lo)}, {_g(hi)}{right}"
            elif lo is not None:
                text = f"{word} {'>' if self.low_open else '>='} {_g(lo)}"
            elif hi is not None:
                text = f"{word} {'<' if self.high_open else '<='} {_g(hi)}"
            else:
                text = f"a finite {'number' if self.kind == 'number' else 'integer'}"
        elif self.kind == "boolean":
            text = "true or false"
        elif self.kind == "choice":
            text = "one of " + ", ".join(self.choices)
        elif self.kind == "date":
            text = "an ISO date like 2024-01-01"
        elif self.kind == "text":
            text = self.pattern_text or "a non-empty text"
        elif self.kind == "path":
            text = "a file-system path"
        elif self.kind == "list":
            if self.item is None or self.type_name:
                inner = self.type_name or "values"
            elif self.item.kind == "node":
                inner = self.item.type_name or "mappings"
            else:
                inner = self.item.range_text()
            size = f" ({self.min_items}+ items)" if self.min_items else ""
            text = f"a list of {inner}{size}"
            if self.single_ok:
                text += " (or one of them)"
        else:
            text = self.type_name or "a mapping"
        return text + (" or null" if self.nullable else "")


def _g(x: float) -> str:
    if isinstance(x, int) and not isinstance(x, bool):
        if abs(x) < 10**12:
            return f"{x:,}"
        full = x == 2 ** x.bit_length() - 1
        return f"2^{x.bit_length()} - 1" if full else f"{x:.3g}"
    if abs(x) >= 1e9:
        return f"{x:g}"
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 10_000 else f"{x:g}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def kind_of(value: Any) -> str:
    """A user-facing name for the type of a value ('a mapping', 'a list', 'the text ...')."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return f"the text {_show(value)}"
    return _show(value)


def is_number(value: Any) -> bool:
    """A real number that is not a boolean (NumPy scalars included)."""
    import numbers

    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# ---------------------------------------------------------------------------- values
def check_value(spec: Spec, value: Any, path: str) -> Any:
    """`value` checked against `spec` (whole floats become ints for integers), or ConfigError."""
    if value is None:
        if spec.nullable:
            return None
        raise ConfigError(path, f"must be {spec.range_text()}, got null")
    kind = spec.kind
    if kind in ("number", "integer"):
        if not is_number(value):
            raise ConfigError(path, f"must be {spec.range_text()}, got {kind_of(value)}")
        try:
            x = float(value)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise ConfigError(path, f"must be {spec.range_text()} (finite), got {value!r}")
        if kind == "integer":
            if not x.is_integer():
                raise ConfigError(path, f"must be {spec.range_text()}, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if not _in_range(spec, x):
            raise ConfigError(path, f"must be {spec.range_text()}, got {value!r}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ConfigError(path, f"must be true or false, got {kind_of(value)}")
        return value
    if kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            hint = _suggest(value, spec.choices)
            raise ConfigError(path, f"must be {spec.range_text()}, got {kind_of(value)}{hint}")
        return value
    if kind in ("text", "path"):
        if not isinstance(value, str) or not value.strip():
            hint = f" (quote it: '{value}')" if is_number(value) else ""
            raise ConfigError(path, f"must be {spec.range_text()}{hint}, got {kind_of(value)}")
        if "\x00" in value:
            raise ConfigError(path, "must not contain a NUL character")
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            raise ConfigError(path, f"must be {spec.range_text()}, got {kind_of(value)}")
        return value
    if kind == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            dt.date.fromisoformat(value)
        except ValueError:
            raise ConfigError(path, f"must be {spec.range_text()}, got {kind_of(value)}") from None
        return value
    if kind == "list":
        if spec.single_ok and not isinstance(value, (list, tuple)):
            try:
                return check_value(spec.item, value, path) if spec.item else value
            except ConfigError:
                raise ConfigError(
                    path, f"must be {spec.range_text()}, got {kind_of(value)}"
                ) from None
        items = check_list(value, path, spec)
        return [
            check_value(spec.item, v, f"{path}[{i}]") if spec.item else v
            for i, v in enumerate(items)
        ]
    if kind == "node":
        return check_mapping(value, path, what=spec.type_name or "a mapping")
    raise AssertionError(kind)  # pragma: no cover


def _in_range(spec: Spec, x: float) -> bool:
    if spec.low is not None and (x < spec.low or (spec.low_open and x == spec.low)):
        return False
    return not (spec.high is not None and (x > spec.high or (spec.high_open and x == spec.high)))


# ---------------------------------------------------------------------------- shapes
def check_mapping(value: Any, path: str, *, what: str = "a mapping") -> dict[str, Any]:
    """A plain dict copy of a mapping node, or a ConfigError saying what was found instead."""
    if not isinstance(value, Mapping):
        raise ConfigError(path, f"must be {what} (key: value entries), got {kind_of(value)}")
    for key in value:
        if not isinstance(key, str):
            raise ConfigError(path, f"keys must be names, got {kind_of(key)}")
    return dict(value)


def check_list(value: Any, path: str, spec: Spec | None = None) -> list[Any]:
    """A list node (a text is not a list of letters), with its item count checked."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        want = spec.range_text() if spec else "a list like [a, b]"
        raise ConfigError(path, f"must be {want}, got {kind_of(value)}")
    items = list(value)
    if spec is not None:
        if len(items) < spec.min_items:
            raise ConfigError(
                path, f"must list at least {spec.min_items} item(s), got {len(items)}"
            )
        if spec.max_items is not None and len(items) > spec.max_items:
            raise ConfigError(path, f"must list at most {spec.max_items} items, got {len(items)}")
    return items


def _suggest(word: Any, options: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def reject_unknown(
    keys: Iterable[str], allowed: Iterable[str], path: str, *, extra: Iterable[str] = ()
) -> None:
    """Unknown keys are errors, with a 'did you mean' suggestion and the allowed names."""
    allowed = list(allowed)
    known = set(allowed) | set(extra)
    for key in keys:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            hint = _suggest(key, known)
            raise ConfigError(where, f"unknown field{hint}; allowed: {', '.join(allowed)}")


# ---------------------------------------------------------------------------- records
def declared(
    default: Any = dataclasses.MISSING,
    *,
    kind: str,
    doc: str,
    factory: Any = dataclasses.MISSING,
    **kw: Any,
) -> Any:
    """A dataclass field carrying its `Spec` (declare a field once: default, check, doc)."""
    spec = Spec(kind=kind, doc=doc, **kw)
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata={"spec": spec})
    return dataclasses.field(default=default, metadata={"spec": spec})


def field_specs(cls: type) -> dict[str, Spec]:
    """The declared `Spec` of every field of a dataclass (fields without one are skipped)."""
    return {f.name: f.metadata["spec"] for f in dataclasses.fields(cls) if "spec" in f.metadata}


def record_values(cls: type, data: Any, path: str, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Check a mapping against a dataclass's declared fields: shape, unknown keys, each value.

    Fields named in `skip` are left as they are (the caller builds those nested nodes).
    """
    data = check_mapping(data, path)
    names = [f.name for f in dataclasses.fields(cls)]
    reject_unknown(data, names, path)
    specs = field_specs(cls)
    skip = set(skip)
    return {
        k: v if (k in skip or k not in specs) else check_value(specs[k], v, f"{path}.{k}")
        for k, v in data.items()
    }


def check_record(obj: Any, path: str, *, skip: Iterable[str] = ()) -> None:
    """Check every declared field of a dataclass instance (a library user's own object)."""
    skip = set(skip)
    for name, spec in field_specs(type(obj)).items():
        if name not in skip:
            check_value(spec, getattr(obj, name), f"{path}.{name}")


# ---------------------------------------------------------------------------- options
Schema = Mapping[str, "Spec | Schema"]


def validate_options(
    cfg: Any,
    schema: Schema,
    *,
    path: str = "",
    skip: Iterable[str] = (),
    knobs: Iterable[str] = (),
) -> dict[str, Any]:
    """Check a command's options (a mapping) against a declared schema; returns the checked copy.

    Nested schemas are nested mappings. Keys in `skip` (e.g. ``market``, ``hydra``) are
    validated elsewhere and passed through; `knobs` are extra top-level keys that the config's
    own interpolations use (e.g. ``drift_rate``), accepted as they are. Everything else unknown
    is an error with a 'did you mean' suggestion.
    """
    data = check_mapping(cfg, path or "config")
    skip, knobs = set(skip), set(knobs)
    reject_unknown(data, list(schema), path, extra=skip | knobs)
    out: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        if key in skip or (key in knobs and key not in schema):
            out[key] = value
            continue
        sub = schema[key]
        if isinstance(sub, Spec):
            out[key] = check_value(sub, value, where)
        elif value is None:  # `report=null` would silently mean "the defaults"
            names = ", ".join(sub)
            raise ConfigError(where, f"must be a mapping of {names}, got null")
        else:
            out[key] = validate_options(value, sub, path=where)
    return out


# ---------------------------------------------------------------------------- memory
def available_memory() -> int:
    """Bytes of memory this machine can give a run: physical memory (``os.sysconf``), or the
    container's cgroup limit when lower.

    Deliberately not the momentary "available" figure: that swings with whatever else runs,
    and a valid default market must not be refused because a neighbour is busy. The check
    catches sizes that can never fit (a 7 TiB population), before any allocation.
    """
    limits = []
    try:
        limits.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as fh:
                text = fh.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < (1 << 60):
            limits.append(int(text))
    return min(limits) if limits else 8 << 30


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


MEMORY_SHARE = 0.8
"""Share of this machine's memory a run (or a study's workers together) may be estimated to use."""


def check_memory(estimate: float, field: str, what: str, *, available: int | None = None) -> None:
    """Refuse, before any work, a size whose estimated memory exceeds what this machine has."""
    avail = available_memory() if available is None else available
    if estimate > MEMORY_SHARE * avail:
        raise ConfigError(
            field,
            f"too large: {what} needs about {human_bytes(estimate)} of memory, this machine has "
            f"{human_bytes(avail)} (at most {MEMORY_SHARE:.0%} may be used)",
        )


# ---------------------------------------------------------------------------- shared bounds
SEED_MAX = 2**63 - 1

POLICY_NODE_KEYS: dict[str, Spec] = {
    "name": Spec("text", "the policy config's name (shown in tables)"),
    "policies": Spec(
        "list",
        "the focal store's policies: entries with `_target_` (a StorePolicy subclass) or "
        "`name`, plus the policy's parameters",
        nullable=True,
        type_name="policy names or entries",
    ),
    "label": Spec("text", "display label in reports (English)", nullable=True),
    "label_zh": Spec("text", "display label in reports (Chinese)", nullable=True),
}
"""Keys of a ``configs/policy/*.yaml`` node; other top-level keys are allowed only as knobs that
the node's own entries interpolate (``budget: 200`` used as ``${policy.budget}``)."""


def run_memory_estimate(market: Any) -> float:
    """Bytes one simulation of `market` is expected to need at its peak (a generous estimate).

    Per customer: about 40 state arrays, 4 per-store arrays, the social links (CSR, both
    directions) and one Mesa agent object (~700 B); per tick: the ledger (about 20 KPI rows
    per store); per purchase: one 40-byte transaction row; plus ~160 MiB for the interpreter
    and libraries. Measured peak RSS on the default market (under load, Nov 2026): 156 MiB at
    2,000 customers x 1 year, 174 MiB at 20,000 x 3 years, 248 MiB at 100,000 x 1 year; this
    estimate gives 164, 201 and 333 MiB (erring on the safe side).
    """
    b = market.behaviour
    n, stores, ticks = float(market.n_customers), len(market.stores), float(market.n_ticks)
    per_customer = 40 * 8 + 4 * 8 * stores + 16 * b.mean_degree + 700
    profiles = getattr(market, "class_profiles", {}) or {}
    rates = [getattr(p, "occasions_per_year", 2.0) for p in profiles.values()] or [2.0]
    years = float(market.years) + float(getattr(market, "burn_in_years", 0) or 0)
    purchases = n * max(rates) * years * 2.0
    wom = n * (b.negative_wom_max + b.positive_wom_max) * 8.0
    return n * per_customer + ticks * stores * 20 * 8 + purchases * 40 + wom + (160 << 20)
