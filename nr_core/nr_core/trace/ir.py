"""The traced-graph IR: values (graph inputs, named parameters, constants, node outputs) and nodes (one op-table
call each, with its parameters as the frontend passed them). Nothing here knows about ONNX."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

# how far a value's contents depend on the graph's inputs: constants < named parameters < inputs
CONST, PARAM, INPUT = 0, 1, 2


@dataclass(eq=False)
class Value:
    """One array in the graph. ``kind``: ``input``, ``param`` (a named array the caller registered, e.g. a
    module's parameters and buffers), ``const`` (an array the trace met without a name) or ``node``.
    ``data`` is a host NumPy copy for constants and for node outputs that depend on constants only (``level``
    CONST), so a consumer may fold them; ``None`` otherwise."""

    id: int
    shape: tuple
    dtype: Any  # an nr DType
    kind: str
    level: int
    name: str | None = None
    data: Any = None
    producer: "Node | None" = None
    index: int = 0  # which output of ``producer``

    def __repr__(self) -> str:
        src = self.name or (f"{self.producer.op}[{self.index}]" if self.producer else self.kind)
        return f"%{self.id}:{self.dtype.name}{list(self.shape)}<{src}>"


@dataclass(eq=False)
class Node:
    """One op-table call: ``op`` (the table's name), ``inputs`` (Values or Python scalars, in the order the
    dispatcher got them), ``params`` (the frontend's keyword parameters; arrays inside them, such as index
    arrays in a ``getitem`` key, replaced by their Values), ``outputs`` and ``scope`` (where in a model it ran,
    e.g. ``features.0``; empty at top level)."""

    op: str
    inputs: tuple
    params: dict
    outputs: tuple
    scope: str = ""

    def input_values(self) -> Iterator[Value]:
        """Every Value this node reads: its inputs, then those inside its parameters."""
        for x in self.inputs:
            if isinstance(x, Value):
                yield x
        yield from _values_in(self.params)


def _values_in(obj) -> Iterator[Value]:
    if isinstance(obj, Value):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _values_in(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _values_in(o)


@dataclass(eq=False)
class HostRead:
    """A read of an input-dependent array into Python during the trace (``bool``, ``item``, ``int``, ``numpy`` …):
    whatever Python did with the value was baked into the graph."""

    how: str
    value: Value
    scope: str
    where: str  # "file:line" of the code that read it

    def describe(self) -> str:
        at = f" in layer '{self.scope}'" if self.scope else ""
        return f"{self.how}() on {self.value!r}{at} at {self.where}"


@dataclass(eq=False)
class Graph:
    """A traced call: ``inputs`` (one Value per example array, in order), ``outputs`` (the result's arrays,
    flattened in order; ``output_tree`` rebuilds the nesting: an int is a position in ``outputs``, tuples and
    lists nest), ``nodes`` in execution order, ``params`` (name -> Value) and the ``host_reads`` met."""

    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    output_tree: Any = None
    nodes: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    host_reads: list = field(default_factory=list)

    def live_nodes(self) -> list[Node]:
        """The nodes the outputs depend on, in execution order (dead code dropped)."""
        needed = {id(v) for v in self.outputs}
        keep = []
        for node in reversed(self.nodes):
            if any(id(o) in needed for o in node.outputs):
                keep.append(node)
                needed.update(id(v) for v in node.input_values())
        return keep[::-1]

    def used_values(self) -> set[int]:
        """ids of the values that a live node reads or that are outputs."""
        used = {id(v) for v in self.outputs}
        for node in self.live_nodes():
            used.update(id(v) for v in node.input_values())
        return used

    def __str__(self) -> str:
        lines = [f"graph({', '.join(map(repr, self.inputs))}):"]
        for n in self.nodes:
            args = ", ".join(repr(x) for x in n.inputs)
            scope = f"  # {n.scope}" if n.scope else ""
            lines.append(f"  {', '.join(map(repr, n.outputs))} = {n.op}({args}; {n.params}){scope}")
        lines.append(f"  return {', '.join(map(repr, self.outputs))}")
        return "\n".join(lines)
