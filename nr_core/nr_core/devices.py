"""Device values: ``Device(kind, index)``, interned so ops compare them with ``is``."""
from __future__ import annotations


class Device:
    """A device such as ``cpu``, ``cuda:0`` or ``opencl:1``.

    Instances are interned: ``Device("cuda", 0) is Device("cuda", 0)``. As PyTorch's ``torch.device`` (``nr.device``
    is this class), ``Device("cuda:1")`` parses a string and ``Device(d)`` returns the device ``d``.
    """

    __slots__ = ("kind", "index", "_str", "__weakref__")
    _interned: dict[tuple[str, int], "Device"] = {}

    def __new__(cls, kind: str, index: int | None = None):
        key = (kind, 0 if index is None else index)
        dev = cls._interned.get(key)
        if dev is None:
            if isinstance(kind, Device) and index is None:
                return kind
            if isinstance(kind, str) and ":" in kind and index is None:
                return parse_device_string(kind)
            index = 0 if index is None else index
            if not isinstance(kind, str) or not kind or not isinstance(index, int) or index < 0:
                raise ValueError(f"invalid device kind/index: {kind!r}, {index!r}")
            dev = object.__new__(cls)
            dev.kind = kind
            dev.index = index
            # "cpu" is cpu:0; every other kind shows its index, like PyTorch
            dev._str = kind if (kind == "cpu" and index == 0) else f"{kind}:{index}"
            cls._interned[key] = dev
        return dev

    def __reduce__(self):
        return (Device, (self.kind, self.index))

    @property
    def type(self) -> str:
        """PyTorch's name for ``kind`` (``x.device.type == "cuda"``)."""
        return self.kind

    def __repr__(self) -> str:
        return f"Device('{self._str}')"

    def __str__(self) -> str:
        return self._str

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                return parse_device_string(other) is self
            except ValueError:
                return False
        return self is other

    def __hash__(self) -> int:
        return hash((self.kind, self.index))


def parse_device_string(spec: str) -> Device:
    """``"cuda:1"`` -> Device("cuda", 1); a bare kind means index 0."""
    kind, sep, idx = spec.strip().partition(":")
    if not kind or (sep and not idx.isdigit()):
        raise ValueError(f"invalid device string {spec!r}: expected 'kind' or 'kind:N', e.g. 'cpu', 'cuda:1'")
    return Device(kind, int(idx) if sep else 0)
