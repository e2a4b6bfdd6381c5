import pytest

pytest.importorskip("onnx")
