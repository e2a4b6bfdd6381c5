"""The optimizer base: parameter groups, per-parameter state, ``zero_grad`` and PyTorch-layout state dicts."""
from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any, Callable, Iterable

import nr_core as nr
from nr_core import Tensor


class _Required:
    """Marks a default that every parameter group must set itself (PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base of every optimizer: holds ``param_groups`` (dicts with ``"params"`` and the options) and ``state``.

    Subclasses implement ``_update(p, grad, state, group)`` for one parameter that has a gradient; ``step``
    runs it under ``nr.no_grad()`` for every such parameter of every group. Parameters are updated in place;
    state arrays live on the parameter's device and hyper-parameters stay Python numbers, so a step never reads
    device memory on the host (LBFGS and Adafactor excepted, where PyTorch reads scalars too).

    ``foreach``/``fused`` (SGD, Adam, AdamW, RMSprop, which define ``_multi_update``): ``None`` (the default) or
    True update all parameters of a group on one device with one multi-tensor op (``_multi``: one kernel call on
    NumPy-like backends, the per-tensor update on others), False runs ``_update`` per parameter; both give the same
    bits. Other optimizers accept the flag and always update per parameter.
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params should be an iterable of arrays or dicts, but got a single nr array; "
                            "wrap it in a list")
        if isinstance(params, dict):
            raise TypeError(f"{name}: params should be an iterable of arrays or of param-group dicts, got one dict; "
                            "wrap it in a list")
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError(f"{name}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k != "params")
        lines.append(")")
        return "\n".join(lines)

    # ---- parameter groups ---------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group (a dict with ``"params"`` and any per-group options; the rest come from ``defaults``)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of arrays in sets changes between runs; use a list instead")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: all optimizer params should be with/without names; some names are missing")
            param_group["param_names"] = names
            params = [p[1] for p in params]
        for p in params:
            _check_param(name, p)
        param_group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required optimization "
                                 f"parameter {key}")
            param_group.setdefault(key, default)
        self._check_group(param_group)
        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            warnings.warn(f"{name}: a parameter group contains duplicate parameters; each is updated once per "
                          "occurrence", stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        if any(("param_names" in g) != ("param_names" in param_group) for g in self.param_groups):
            raise ValueError(f"{name}: all optimizer param groups should be with/without names")
        self.param_groups.append(param_group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's options (subclasses check theirs; the constructor's defaults pass through here too)."""

    # ---- gradients and steps --------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's ``.grad`` (or, with ``set_to_none=False``, zero it in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None or g.requires_grad:
                        g = g.detach()
                        p.grad = g
                    with nr.no_grad():
                        g.zero_()

    def step(self, closure: Callable[[], Any] | None = None):
        """One update of every parameter that has a gradient; ``closure`` (optional) re-evaluates the loss."""
        loss = None
        if closure is not None:
            with nr.enable_grad():
                loss = closure()
        with nr.no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group: dict[str, Any]) -> None:
        multi = hasattr(self, "_multi_update") and (group.get("fused") or group.get("foreach") is not False)
        state = self.state
        batches: dict[Any, list] = {}
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if multi and _writable(p):
                batches.setdefault(p.device, []).append(p)  # one multi-tensor op per device
            else:
                self._update(p, g, state[p], group)
        for params in batches.values():
            self._multi_update(params, group)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise TypeError(f"{type(self).__name__} does not define an update rule")

    # ---- state dicts ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, PyTorch's layout.

        Arrays in the state are copied, so the dict is a snapshot that later steps do not change.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: _copy_value(s, None) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by ``state_dict`` (arrays are copied onto each parameter's device)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict or "state" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'")
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has {len(saved)} parameter groups, the "
                             f"optimizer has {len(self.param_groups)}")
        for g, s in zip(self.param_groups, saved):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"{name}.load_state_dict: loaded state dict contains a parameter group of "
                                 f"{len(s['params'])} parameters that doesn't match the size of optimizer's group "
                                 f"({len(g['params'])})")
        id_map = {i: p for g, s in zip(self.param_groups, saved) for i, p in zip(s["params"], g["params"])}
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            p = id_map.get(k)
            state[p if p is not None else k] = _copy_value(v, p)
        new_groups = []
        for g, s in zip(self.param_groups, saved):
            ng = {k: v for k, v in s.items() if k != "params"}
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups


def _writable(p: Tensor) -> bool:
    """Whether the multi-tensor kernels may take ``p``: a buffer they can write in place with at least one dimension
    (NumPy turns 0-d results into scalars, which ``out=`` cannot take). Others step alone through the per-tensor
    form, whose in-place operators handle 0-d arrays and refuse a read-only view with a clear error before the
    group's op has written anything."""
    flags = getattr(p._data, "flags", None)
    return flags is None or (flags.writeable and p._data.ndim > 0)


def _check_param(owner: str, p: Any) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(f"{owner}: optimizer can only optimize nr arrays, but one of the params is "
                        f"{type(p).__module__}.{type(p).__qualname__}")
    if p.dtype.kind != "float":
        raise TypeError(f"{owner}: optimizer can only optimize real floating-point arrays, got one of dtype "
                        f"{p.dtype.name} and shape {p.shape}")
    if not p.is_leaf:
        raise ValueError(f"{owner}: can't optimize a non-leaf array (shape {p.shape}); optimize the leaf it came from")


def _copy_value(value: Any, param: Tensor | None) -> Any:
    """A deep copy of a state value; arrays are cloned (and, given ``param``, cast to its dtype and device)."""
    if isinstance(value, Tensor):
        if param is None:
            return value.detach().clone()
        dtype = param.dtype if value.dtype.kind == "float" else value.dtype
        return nr.asarray(value.detach().to_device(param.device), dtype=dtype, copy=True)
    if isinstance(value, dict):
        return {k: _copy_value(v, param) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_value(v, param) for v in value)
    return value
