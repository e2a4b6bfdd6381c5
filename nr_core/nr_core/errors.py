"""The error classes of the public API, and the builders of the messages every op raises before its kernel."""
from __future__ import annotations


class DeviceUnavailableError(RuntimeError):
    """A device was asked for whose backend is not installed or cannot run here."""


class DeviceMismatchError(ValueError):
    """One op was given arrays that live on different devices."""


class PluginError(RuntimeError):
    """A plugin failed to load or register (raised only under NR_STRICT_PLUGINS=1)."""


class LinAlgError(ValueError):
    """A matrix the op cannot factorise or invert (singular, not positive definite, no convergence);
    ``nr.linalg.LinAlgError``, a ValueError as array-api-strict's."""


def device_mismatch(name: str, *arrays) -> DeviceMismatchError:
    """``name``: the arrays' shapes and devices, and how to fix it."""
    devs = ", ".join(f"{tuple(a.shape)} on {a.device}" for a in arrays if hasattr(a, "_device"))
    return DeviceMismatchError(f"{name}: arrays are on different devices ({devs}); move them with .to_device() first")


def bad_dtype(op, *dts) -> TypeError:
    """``op`` was given dtype(s) ``dts`` outside its table entry's category."""
    got = " and ".join(d.name for d in dts)
    return TypeError(f"{op.name}: dtype {got} is not allowed; {op.name} accepts {op.dtypes} dtypes")


def unsupported_dtype(name: str, dtype, device) -> TypeError:
    """A device that cannot hold ``dtype`` (its backend's capabilities say so)."""
    return TypeError(f"{name}: dtype {dtype.name} is not supported on device {device}")
