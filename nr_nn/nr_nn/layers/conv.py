"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, with torch's init, padding modes and repr."""
from __future__ import annotations

from .. import functional as F
from ..functional._checks import at_least, ntuple
from ..module import Module
from ._factory import kaiming_default_, weight_and_bias

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _nd = 0
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", output_padding=0,
                 device=None, dtype=None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{name}: padding must be 'same', 'valid' or ints, got {padding!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = at_least(ntuple(kernel_size, nd, name, "kernel_size"), 1, name, "kernel_size")
        self.stride = at_least(ntuple(stride, nd, name, "stride"), 1, name, "stride")
        self.padding = padding if isinstance(padding, str) else at_least(ntuple(padding, nd, name, "padding"), 0,
                                                                         name, "padding")
        self.dilation = at_least(ntuple(dilation, nd, name, "dilation"), 1, name, "dilation")
        self.output_padding = at_least(ntuple(output_padding, nd, name, "output_padding"), 0, name,
                                       "output_padding")
        self.transposed = self._transposed
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        weight_and_bias(self, shape, out_channels, bias, device, dtype)

    def reset_parameters(self) -> None:
        kaiming_default_(self.weight, self.bias)

    def _explicit_padding(self):
        """(lo, hi) pairs per spatial dim for the non-zero padding modes."""
        if self.padding == "valid":
            return ((0, 0),) * self._nd
        if self.padding == "same":
            tot = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            return tuple((t // 2, t - t // 2) for t in tot)
        return tuple((p, p) for p in self.padding)

    def forward(self, input):
        if self.padding_mode != "zeros":
            flat = []
            for lo, hi in reversed(self._explicit_padding()):
                flat += [lo, hi]
            x = F.pad(input, flat, mode=self.padding_mode)
            return F.conv_nd(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups, nd=self._nd,
                             fn=type(self).__name__)
        return F.conv_nd(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups,
                         nd=self._nd, fn=type(self).__name__)

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    _nd = 1


class Conv2d(_ConvNd):
    _nd = 2


class Conv3d(_ConvNd):
    _nd = 3


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"{type(self).__name__}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def _output_padding(self, input, output_size):
        """torch's rule: the extra output size that makes the result ``output_size``."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        size = tuple(output_size)[-nd:]
        out = []
        for i in range(nd):
            n = input.shape[input.ndim - nd + i]
            base = (n - 1) * self.stride[i] - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1
            extra = size[i] - base
            if not 0 <= extra < max(self.stride[i], self.dilation[i]):
                raise ValueError(f"{type(self).__name__}: requested output_size {tuple(output_size)} is not "
                                 f"reachable from input {input.shape} (base size {base} in dim {i})")
            out.append(extra)
        return tuple(out)

    def forward(self, input, output_size=None):
        return F.conv_transpose_nd(input, self.weight, self.bias, self.stride, self.padding,
                                   self._output_padding(input, output_size), self.groups, self.dilation,
                                   nd=self._nd, fn=type(self).__name__)


class ConvTranspose1d(_ConvTransposeNd):
    _nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    _nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    _nd = 3
