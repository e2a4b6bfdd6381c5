"""The host side of a generated-kernel backend, over any ``runtime.Runtime``: strided device buffers
(``buffer``), lazy elementwise fusion (``lazy``) and the op table's kernels built on them (``kernels``)."""
