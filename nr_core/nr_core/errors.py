"""The error classes of the public API."""


class DeviceUnavailableError(RuntimeError):
    """A device was asked for whose backend is not installed or cannot run here."""


class DeviceMismatchError(ValueError):
    """One op was given arrays that live on different devices."""


class PluginError(RuntimeError):
    """A plugin failed to load or register (raised only under NR_STRICT_PLUGINS=1)."""
