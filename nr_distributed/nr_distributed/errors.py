"""The error classes of nr_distributed (PyTorch's names)."""


class DistError(RuntimeError):
    """A distributed operation failed (wrong use of the process group, or a peer rank failed)."""


class DistBackendError(DistError):
    """The communication backend failed: a peer rank died, a collective timed out, or the backend is missing."""
