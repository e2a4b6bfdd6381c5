"""``Module``: the base of every layer; registration by attribute, traversal, modes, hooks, state_dict, moves."""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any, Callable, Iterator

import numpy as np

import nr_core as nr
from nr_core.array_object import Tensor

from .hooks import RemovableHandle, add_hook
from .parameter import Parameter, swap_data

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of all layers. Subclasses call ``super().__init__()`` and define ``forward``."""

    training: bool

    def __init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", OrderedDict())
        setattr_(self, "_buffers", OrderedDict())
        setattr_(self, "_non_persistent", set())
        setattr_(self, "_modules", OrderedDict())
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_hooks_with_kwargs", set())
        setattr_(self, "_backward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} has no forward(); subclasses of nn.Module must define it")

    # ---- attribute registration ----------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called")
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        # re-assigning keeps the entry's place (resnet.fc = Linear(...), tied weights), as in PyTorch
        if isinstance(value, Parameter):
            self._drop(name, keep="_parameters")
            params[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} "
                                "(nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._drop(name, keep="_modules")
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to submodule {name!r} "
                                "(nn.Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r} (nr array or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _drop(self, name: str, keep: str | None = None) -> None:
        """Forget ``name`` everywhere but in the table ``keep``, where the caller overwrites it in place."""
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            if key != keep:
                d[key].pop(name, None)
        d["_non_persistent"].discard(name)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            table = d.get(key)
            if table is not None and name in table:
                return table[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'", name=name, obj=self)

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d[key]:
                del d[key][name]
                d["_non_persistent"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        # public names only: Python's "Did you mean" comes from here and must not offer _parameters or _modules
        names = set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules)
        return sorted(n for n in names if not n.startswith("_") or n.startswith("__"))

    def _check_name(self, name: str, what: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{what} name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{what} name must be non-empty and contain no '.', got {name!r}")
        if name in self.__dict__:
            raise KeyError(f"attribute {name!r} already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, got {type(param).__name__}")
        self._drop(name, keep="_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be an nr array or None, got {type(tensor).__name__}")
        self._drop(name, keep="_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be an nn.Module or None, got {type(module).__name__}")
        self._drop(name, keep="_modules")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        mod = self
        for part in target.split(".") if target else ():
            sub = mod._modules.get(part)
            if sub is None:
                raise AttributeError(f"{type(mod).__name__} has no submodule {part!r} (looking up {target!r})")
            mod = sub
        return mod

    def get_parameter(self, target: str) -> Parameter:
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter {name!r}")
        return mod._parameters[name]

    # ---- traversal ---------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, "Module"]]:
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, mod in self._modules.items():
            if mod is not None:
                yield from mod.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, mod in self._modules.items():
            if mod is not None and id(mod) not in seen:
                seen.add(id(mod))
                yield name, mod

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, table: str, prefix: str, recurse: bool, remove_duplicate: bool = True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, v in getattr(mod, table).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), v

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ---- modes and bulk changes --------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode must be a bool, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p._grad is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                with nr.no_grad():
                    p._grad = nr.zeros_like(p._grad)

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _apply(self, fn: Callable[[Tensor], Tensor], floating_only: bool = False) -> "Module":
        def moves(t):
            return not floating_only or t._dtype.kind in ("float", "complex")

        with nr.no_grad():
            for m in self.modules():
                for p in m._parameters.values():
                    if p is None or not moves(p):
                        continue
                    swap_data(p, fn(p.detach()))
                    if p._grad is not None:
                        p._grad = fn(p._grad)
                for name, b in m._buffers.items():
                    if b is not None and moves(b):
                        m._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs) -> "Module":
        """``to(device)``, ``to(dtype)`` or ``to(device, dtype)``; dtype changes only floating tensors, like torch."""
        device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        if kwargs:
            raise TypeError(f"to: unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, nr.DType):
                dtype = a
            elif isinstance(a, (str, nr.Device)):
                device = a
            else:
                raise TypeError(f"to: expected a device (str or nr.Device) or an nr dtype, got {a!r}")
        if dtype is not None and dtype.kind not in ("float", "complex"):
            raise TypeError(f"to: nn.Module.to only accepts floating point or complex dtypes, got {dtype.name}")
        if device is not None:
            self._apply(lambda t: t.to_device(device))
        if dtype is not None:
            self._apply(lambda t: nr.astype(t, dtype, copy=False), floating_only=True)
        return self

    def cpu(self) -> "Module":
        return self.to("cpu")

    def cuda(self, device: int | None = None) -> "Module":
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> "Module":
        return self.to(nr.float32)

    def double(self) -> "Module":
        return self.to(nr.float64)

    def half(self) -> "Module":
        """Floating parameters and buffers to float16 (for inference or pure-16-bit training; mixed precision
        keeps float32 weights and uses ``nr.autocast`` instead)."""
        return self.to(nr.float16)

    def bfloat16(self) -> "Module":
        """Floating parameters and buffers to bfloat16."""
        return self.to(nr.bfloat16)

    # ---- calling and hooks ---------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        d = self.__dict__
        if not (d["_forward_pre_hooks"] or d["_forward_hooks"] or d["_backward_hooks"]):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        with_kwargs = self._hooks_with_kwargs
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw = None
        if self._backward_hooks:
            from .backward_hooks import BackwardHook
            bw = BackwardHook(self, list(self._backward_hooks.values()))
            args = bw.setup_inputs(args)
        out = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            res = hook(self, args, kwargs, out) if hid in with_kwargs else hook(self, args, out)
            if res is not None:
                out = res
        if bw is not None:
            out = bw.setup_outputs(out)
        return out

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` (or ``(module, args, kwargs)``) before forward; may return new args."""
        handle = add_hook(self._forward_pre_hooks, hook, prepend)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` after forward; may return a replacement output."""
        handle = add_hook(self._forward_hooks, hook, prepend)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle.id)
        return handle

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` once the gradients w.r.t. the module's inputs are known."""
        return add_hook(self._backward_hooks, hook, prepend)

    # ---- state_dict ----------------------------------------------------------------------------
    def state_dict(self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False) -> dict:
        """Parameters and persistent buffers under PyTorch's dotted key names (detached unless keep_vars)."""
        out = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def _state_slots(self, prefix: str = "") -> Iterator[tuple[str, "Module", str, str]]:
        """(full key, owning module, table, local name) for every entry state_dict would hold."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, self, "_parameters", name
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                yield prefix + name, self, "_buffers", name
        for name, m in self._modules.items():
            if m is not None:
                yield from m._state_slots(prefix + name + ".")

    def load_state_dict(self, state_dict: dict, strict: bool = True, assign: bool = False) -> IncompatibleKeys:
        """Copy ``state_dict`` (nr arrays or NumPy arrays) into this module's parameters and buffers.

        Shapes are checked for every key before anything is copied, so a failed load changes nothing.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state_dict).__name__}")
        slots = list(self._state_slots())
        expected = {key for key, *_ in slots}
        missing = [key for key, *_ in slots if key not in state_dict]
        unexpected = [key for key in state_dict if key not in expected]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append("missing keys: " + ", ".join(repr(k) for k in missing))
            if unexpected:
                parts.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: " + "; ".join(parts))
        plan = []
        for key, mod, table, name in slots:
            if key not in state_dict:
                continue
            cur = getattr(mod, table)[name]
            value = _as_array(state_dict[key], key, cur)
            if tuple(value.shape) != tuple(cur.shape):
                raise RuntimeError(f"load_state_dict: size mismatch for {key!r}: copying a value of shape "
                                 f"{tuple(value.shape)} from the checkpoint, the shape in the current model is "
                                 f"{tuple(cur.shape)}")
            plan.append((mod, table, name, cur, value))
        with nr.no_grad():
            for mod, table, name, cur, value in plan:
                if assign:
                    if table == "_parameters":
                        value = Parameter(value.detach(), requires_grad=cur._requires_grad)
                    getattr(mod, table)[name] = value
                else:
                    cur.copy_(value)
        return IncompatibleKeys(missing, unexpected)

    # ---- repr ----------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, mod in self._modules.items():
            body = repr(mod).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        if not lines:
            return f"{self._get_name()}()"
        if len(lines) == 1 and not self._modules:
            return f"{self._get_name()}({lines[0]})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _as_array(value, key: str, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value if value._device is like._device else value.to_device(like._device)
    if isinstance(value, (np.ndarray, np.generic, int, float)):
        return nr.asarray(np.asarray(value), device=like._device)
    raise TypeError(f"load_state_dict: value for {key!r} must be an nr array or a NumPy array, "
                    f"got {type(value).__name__}")
