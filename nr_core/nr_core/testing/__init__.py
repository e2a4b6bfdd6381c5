"""The backend test kit: every op of the op table on a chosen device, checked against NumPy.

Run it on any installed backend: ``pytest --pyargs nr_core.testing --nr-device opencl``.
"""
