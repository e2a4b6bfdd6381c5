"""Tracing at the dispatch layer: run a function on example arrays and get back the op-table calls it made as a
small graph IR (``Graph`` of ``Node``/``Value``), independent of any exchange format. The ONNX exporter reads it;
a replay engine could run it again."""
from .ir import Graph, HostRead, Node, Value
from .tracer import Tracer, trace, validation

__all__ = ["Graph", "HostRead", "Node", "Tracer", "Value", "trace", "validation"]
