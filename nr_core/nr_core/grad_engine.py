"""The contract between nr_core and an autograd engine, and the one accessor nr_core reaches it through.

nr_core keeps the autograd metadata on arrays (``requires_grad``, ``grad``, ``grad_fn``, version counters)
and the entry points (``backward()``, ``register_hook``, in-place writes); everything else is the engine's.
An engine registers through the ``nr_register_grad_engines`` hook (nr_autograd registers ``"autograd"``);
``NR_GRAD_ENGINE`` picks one by name when several are installed. The dispatcher keeps the engine's bound
``record``/``record_computed`` in its slots, so recording costs no lookup here.
"""
from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence, runtime_checkable

from . import dispatch as _dispatch


@runtime_checkable
class GradEngine(Protocol):
    """What an autograd engine provides. Every method is called only by nr_core's frontend and dispatcher."""

    def record(self, op, inputs: tuple, params: dict, run: Callable) -> Any:
        """Compute ``op`` through ``run(inputs, params)`` and record it in the graph; return the result(s).

        Called by ``dispatch.apply`` when grad mode is on and an input requires grad.
        """

    def record_computed(self, op, inputs: tuple, out) -> Any:
        """Record an elementwise op whose result ``out`` the dispatcher's hot path already computed; return it."""

    def backward(self, tensors: Sequence, grad_tensors: Sequence | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Sequence | None = None) -> None:
        """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (``Tensor.backward``)."""

    def grad(self, outputs: Sequence, inputs: Sequence, grad_outputs: Sequence | None = None,
             retain_graph: bool | None = None, create_graph: bool = False, allow_unused: bool = False) -> tuple:
        """The gradients of ``outputs`` with respect to ``inputs``, leaving ``.grad`` alone."""

    def register_hook(self, tensor, hook: Callable) -> Any:
        """Call ``hook(grad)`` when ``tensor``'s gradient is computed; return a handle with ``remove()``."""

    def check_inplace(self, tensor, value) -> None:
        """Raise if writing ``value`` into ``tensor`` in place (``x[k] = v``) would corrupt the graph."""


_engines: dict[str, GradEngine] = {}
_active: GradEngine | None = None  # the engine in use


def register_engine(name: str, engine: GradEngine, preferred: str | None) -> None:
    """Add ``engine``; it becomes the active one if none is, or if its name is ``preferred``."""
    missing = [m for m in ("record", "record_computed", "backward", "grad", "register_hook", "check_inplace")
               if not callable(getattr(engine, m, None))]
    if missing:
        raise TypeError(f"grad engine {name!r} lacks {', '.join(missing)} of the GradEngine protocol")
    if name in _engines:
        raise ValueError(f"grad engine {name!r} is already registered")
    _engines[name] = engine
    if _active is None or name == preferred:
        _activate(engine)


def unregister_engine(name: str) -> None:
    engine = _engines.pop(name, None)
    if engine is not None and _active is engine:
        _activate(next(iter(_engines.values()), None))


def _activate(engine: GradEngine | None) -> None:
    global _active
    _active = engine
    _dispatch._record = None if engine is None else engine.record
    _dispatch._record_computed = None if engine is None else engine.record_computed


def grad_engine(what: str) -> GradEngine:
    """The active grad engine, or a RuntimeError saying that ``what`` needs one and how to install it."""
    engine = _active
    if engine is None:
        from .plugins import REGISTRY  # only until discovery has run: engines come with it
        REGISTRY.ensure()
        engine = _active
        if engine is None:
            raise RuntimeError(f"{what} needs an autograd engine: pip install nr-autograd")
    return engine
