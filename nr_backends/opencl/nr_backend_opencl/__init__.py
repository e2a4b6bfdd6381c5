"""nr-backend-opencl: the OpenCL backend of neurarust (PyOpenCL; PoCL gives a CPU device everywhere)."""
__version__ = "0.1.0"
