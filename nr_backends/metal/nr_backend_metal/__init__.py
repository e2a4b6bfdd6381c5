"""nr-backend-metal: the Metal backend of neurarust (Apple GPUs through pyobjc-framework-Metal; on other systems,
listed as unavailable, and runnable through the MSL shim for testing)."""
from ._version import __version__

__all__ = ["__version__"]
