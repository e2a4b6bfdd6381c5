"""ONNX exchange: ``export`` traces a model through the dispatcher into an ONNX file; ``load`` turns an ONNX
file into an nr Module on any backend. Needs the ``onnx`` package (``pip install 'nr-nn[onnx]'``), imported only
when one of them is called, so ``import nr_nn`` works without it."""
from .exporter import OnnxExportError, TracerWarning, export
from .graph_module import OnnxModule, from_model, load
from .loader import OnnxImportError

__all__ = ["OnnxExportError", "OnnxImportError", "OnnxModule", "TracerWarning", "export", "from_model", "load"]
