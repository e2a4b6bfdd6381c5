"""The autocast policy table, read off the op registry (``optable.AMP_POLICY``: what each op or composite function
declared when it came in), with per-op overrides on top; ``table()`` prints it, so the lists are never hidden."""
from __future__ import annotations

from .. import optable

UNCHANGED = "unchanged"
_OVERRIDES: dict[str, str] = {}  # op -> policy set by ``set_policy`` (UNCHANGED switches a declared one off)


def _known(name: str, fn: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"amp.{fn}: expected an op name (str), got {type(name).__name__}")
    if name not in optable.OPS and name not in optable.AMP_POLICY:
        raise ValueError(f"amp.{fn}: {name!r} is neither an op of the table nor a function with an autocast policy")


def policy(name: str) -> str:
    """The autocast policy of op ``name``: ``"low"``, ``"fp32"``, ``"promote"`` or ``"unchanged"``."""
    _known(name, "policy")
    return _OVERRIDES.get(name) or optable.AMP_POLICY.get(name, UNCHANGED)


def set_policy(name: str, value: str | None) -> str:
    """Override op ``name``'s policy process-wide (``None`` restores the declared one); returns the previous one."""
    _known(name, "set_policy")
    if value is not None and value != UNCHANGED and value not in optable.AMP_POLICIES:
        raise ValueError(f"amp.set_policy: policy {value!r} for {name!r}; expected one of "
                         f"{optable.AMP_POLICIES + (UNCHANGED, None)}")
    previous = policy(name)
    if value is None:
        _OVERRIDES.pop(name, None)
    else:
        _OVERRIDES[name] = value
    return previous


def effective(name: str) -> str | None:
    """The policy autocast applies to ``name`` (None: leave it alone); the interceptor's lookup."""
    p = _OVERRIDES.get(name) or optable.AMP_POLICY.get(name)
    return None if p == UNCHANGED else p


def policies() -> dict[str, str]:
    """Every op and function that autocast changes, with its policy, sorted by name."""
    names = set(optable.AMP_POLICY) | set(_OVERRIDES)
    return {n: p for n in sorted(names) if (p := effective(n)) is not None}


_MEANING = {"low": "cast to the autocast dtype (float16/bfloat16)", "fp32": "cast to float32",
            "promote": "cast to the widest floating input dtype"}


def table() -> str:
    """The policy table as text: one section per policy, ops and functions listed by name."""
    by: dict[str, list[str]] = {p: [] for p in optable.AMP_POLICIES}
    for name, p in policies().items():
        by[p].append(name + ("" if name in optable.OPS else "()"))
    lines = []
    for p, names in by.items():
        lines.append(f"{p} ({_MEANING[p]}): {len(names)}")
        lines.extend("  " + ", ".join(names[i:i + 6]) for i in range(0, len(names), 6))
    lines.append("every other op: unchanged (runs in its inputs' dtypes); name() marks a composite function")
    return "\n".join(lines)
