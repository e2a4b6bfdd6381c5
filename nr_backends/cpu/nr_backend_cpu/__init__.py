"""nr-backend-cpu: the NumPy backend of neurarust."""
__version__ = "0.1.0"
