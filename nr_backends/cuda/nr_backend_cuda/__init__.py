"""nr-backend-cuda: the CuPy backend of neurarust."""
__version__ = "0.1.0"
