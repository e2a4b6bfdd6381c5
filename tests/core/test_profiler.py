"""nr.profiler: every op and autograd node of a step is recorded with its shapes and self time, the tables and
the Chrome trace hold them, and nothing is left behind (or recorded) outside the block."""
import json

import numpy as np
import pytest

import nr_core as nr
from nr_core import dispatch


def _step():
    w = nr.asarray(np.ones((3, 4), np.float32), requires_grad=True)
    x = nr.asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    loss = nr.sum(nr.tanh(x @ w) * 2.0)
    loss.backward()
    return w


def test_ops_and_backward_nodes_are_recorded_with_shapes():
    with nr.profiler.profile() as prof:
        _step()
    by_name = {(a.name, a.kind): a for a in prof.key_averages()}
    assert {("matmul", "op"), ("tanh", "op"), ("multiply", "op"), ("sum", "op")} <= set(by_name)
    assert {("MatmulBackward", "backward"), ("TanhBackward", "backward"), ("SumBackward", "backward")} <= set(by_name)
    mm = next(e for e in prof.events if e.name == "matmul")
    assert mm.shapes == ((2, 3), (3, 4)) and mm.dtypes == ("float32", "float32")
    assert mm.backend == "cpu" and mm.device == "cpu"
    for e in prof.events:
        assert 0 <= e.self_time <= e.duration
    node = by_name[("MatmulBackward", "backward")]
    assert node.time_total >= node.self_time_total  # the rule's own ops are its children
    shaped = prof.key_averages(group_by_input_shape=True)
    assert any(a.name == "matmul" and a.shapes == ((2, 3), (3, 4)) for a in shaped)


def test_nothing_is_left_behind_and_nothing_recorded_outside():
    with nr.profiler.profile() as prof:
        nr.ones(3) + 1.0
    n = len(prof.events)
    assert n >= 2 and dispatch._intercept is None
    nr.ones(3) + 1.0
    assert len(prof.events) == n


def test_the_table_sorts_and_the_trace_is_chrome_json(tmp_path):
    with nr.profiler.profile() as prof:
        _step()
        with nr.profiler.record_function("my_span"):
            nr.zeros(5) * 3.0
    table = prof.key_averages().table(sort_by="self_time_total", row_limit=5)
    assert table.splitlines()[0].split()[:3] == ["name", "kind", "calls"] and len(table.splitlines()) == 2 + 5 + 1
    for key in ("time_total", "count", "time_avg", "name"):
        prof.key_averages().table(sort_by=key)
    with pytest.raises(ValueError, match="sort_by must be one of"):
        prof.key_averages().table(sort_by="flops")
    # PyTorch's key names sort as their nr equivalents
    avg = prof.key_averages()
    for torch_key, key in (("self_cpu_time_total", "self_time_total"), ("cpu_time_total", "time_total"),
                           ("cpu_time", "time_avg")):
        rows = [ln.split()[0] for ln in avg.table(sort_by=torch_key).splitlines()[2:-1]]
        expected = sorted(avg, key=lambda a: -getattr(a, key))
        assert rows == [a.name[:36] for a in expected][:len(rows)], torch_key
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(path)
    events = json.loads(path.read_text())["traceEvents"]
    assert len(events) == len(prof.events) and all(e["ph"] == "X" and e["dur"] >= 0 for e in events)
    span = next(e for e in events if e["name"] == "my_span")
    inner = [e for e in events if e["name"] == "multiply" and e["ts"] >= span["ts"]]
    assert span["cat"] == "region" and inner and inner[0]["ts"] + inner[0]["dur"] <= span["ts"] + span["dur"] + 1
    assert not list(tmp_path.glob(".nr-trace-*"))


def test_the_buffer_is_bounded():
    with nr.profiler.profile(max_events=10) as prof:
        x = nr.ones(3)
        for _ in range(30):
            x = x + 1.0
    assert len(prof.events) == 10 and prof.dropped > 0


def test_profiles_nest():
    with nr.profiler.profile() as outer:
        nr.ones(2) * 2.0
        with nr.profiler.profile() as inner:
            nr.ones(2) - 1.0
    assert {e.name for e in inner.events} == {"ones", "subtract"}
    assert {"ones", "multiply", "subtract"} <= {e.name for e in outer.events}
