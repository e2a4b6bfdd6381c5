"""Kernels of the sequence-level recurrent ops for NumPy-like backends (see ``recurrent``).

Per time step only what the recurrence forces: one GEMM with the recurrent weights and a handful of in-place
passes on (N, G*H) arrays written straight into the outputs. Everything that does not depend on the previous step
is done for the whole sequence at once: the sigmoid gates' inputs are halved up front (``sigmoid(z) = 0.5 *
tanh(z / 2) + 0.5``, exact at the tails, so one tanh activates all gates of a step), the backward's activation
slopes and per-gate multipliers are computed over all steps before the loop, and the weight gradients are one GEMM
over all steps after it. On the CPU an LSTM (float32, unprojected) or GRU (float32) step's elementwise work is one
call of a compiled loop (``native_recurrent.c``) where the backend builds it.
"""
from __future__ import annotations

from nr_core.native import LONG, PTR, Native, addr as _addr

_NATIVE = Native(__file__, "native_recurrent.c", {"nr_lstm_forward_step_f32": (LONG, LONG) + (PTR,) * 5,
                                                  "nr_lstm_backward_step_f32": (LONG, LONG) + (PTR,) * 6,
                                                  "nr_gru_forward_step_f32": (LONG, LONG) + (PTR,) * 6,
                                                  "nr_gru_backward_step_f32": (LONG, LONG) + (PTR,) * 6})


def _native_lstm(be, *arrays):
    """The compiled (forward, backward) LSTM step functions for these float32 arrays, or None."""
    fns = _NATIVE.functions(be, *arrays)
    return None if fns is None else fns[:2]


def _native_gru(be, *arrays):
    """The compiled (forward, backward) GRU step functions for these float32 arrays, or None."""
    fns = _NATIVE.functions(be, *arrays)
    return None if fns is None else fns[2:]


def _steps(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def _last(n, reverse):
    return 0 if reverse else n - 1


def _previous(xp, seq, first, reverse):
    """The state each step starts from, (T, N, S): the neighbouring step's, ``first`` for the first step."""
    prev = xp.empty_like(seq)
    if reverse:
        prev[:-1] = seq[1:]
        prev[-1] = first
    else:
        prev[1:] = seq[:-1]
        prev[0] = first
    return prev


def _weight_grad(xp, d, prev):
    """sum over steps of d_t^T @ prev_t: (G, S) in one GEMM."""
    return d.reshape(-1, d.shape[-1]).T @ prev.reshape(-1, prev.shape[-1])


# -- Elman RNN ------------------------------------------------------------------------------------
def rnn_sequence(be, xw, h0, w_hh, nonlinearity, reverse):
    xp = be.xp
    y = xp.empty(xw.shape, dtype=xw.dtype)
    w_t, h = xp.ascontiguousarray(w_hh.T), h0  # contiguous: see lstm_sequence
    for t in _steps(xw.shape[0], reverse):
        yt = y[t]
        xp.matmul(h, w_t, out=yt)
        yt += xw[t]
        if nonlinearity == "tanh":
            xp.tanh(yt, out=yt)
        else:
            xp.maximum(yt, 0, out=yt)
        h = yt
    return y, y[_last(len(y), reverse)].copy()


def rnn_sequence_backward(be, xw, h0, w_hh, y, gy, gh, nonlinearity, reverse):
    xp = be.xp
    tanh = nonlinearity == "tanh"
    slope = 1 - y * y if tanh else y > 0
    dxw = xp.zeros_like(y) if not tanh else xp.empty_like(y)
    dh = xp.zeros_like(h0) if gh is None else gh.copy()
    for t in _steps(len(y), not reverse):
        if gy is not None:
            dh += gy[t]
        if tanh:
            xp.multiply(dh, slope[t], out=dxw[t])
        else:  # a select, not a product with 0/1: no -0.0 where the unit is off (as the relu rule gives)
            xp.copyto(dxw[t], dh, where=slope[t])
        xp.matmul(dxw[t], w_hh, out=dh)
    return dxw, dh, _weight_grad(xp, dxw, _previous(xp, y, h0, reverse))


# -- LSTM -------------------------------------------------------------------------------------------
def lstm_sequence(be, xw, h0, c0, w_hh, w_hr, reverse):
    xp = be.xp
    steps, n = xw.shape[0], c0.shape[-1]
    dt = xw.dtype
    scale = xp.full(4 * n, 0.5, dtype=dt)
    scale[2 * n:3 * n] = 1.0                  # the cell candidate g is a plain tanh
    shift = scale.copy()                      # 0.5 added after the sigmoid gates' tanh, 0 after g's
    shift[2 * n:3 * n] = 0.0
    # scaling by 0.5 is exact: h @ ws == 0.5 * (h @ w_hh.T); contiguous, as the per-step product with a
    # transposed view took twice as long ((32, 64) @ (64, 256): 20.5 us against 10.9)
    ws = xp.ascontiguousarray((w_hh * scale[:, None]).T)
    gates = xp.empty(xw.shape, dtype=dt)
    cells = xp.empty((steps,) + c0.shape, dtype=dt)
    y = xp.empty((steps,) + h0.shape, dtype=dt)
    last = _last(steps, reverse)
    native = None if w_hr is not None else _native_lstm(be, xw, h0, c0, w_hh)
    if native is not None:  # the compiled step halves xw's sigmoid gates itself
        _native_forward(native[0], xp, xw, h0, c0, ws, gates, cells, y, reverse)
        return y, y[last].copy(), cells[last].copy(), gates, cells
    xs = xw * scale
    # the per-step affine on whole (N, 4H) operands: a broadcast row costs NumPy twice the same-shape pass
    scale, shift = (xp.ascontiguousarray(xp.broadcast_to(v, xw.shape[1:])) for v in (scale, shift))
    tmp = xp.empty(c0.shape, dtype=dt)
    raw = None if w_hr is None else xp.empty(c0.shape, dtype=dt)
    w_hr_t = None if w_hr is None else xp.ascontiguousarray(w_hr.T)
    h, c = h0, c0
    for t in _steps(steps, reverse):
        a = gates[t]
        xp.matmul(h, ws, out=a)
        a += xs[t]
        xp.tanh(a, out=a)
        a *= scale
        a += shift
        i, f, g, o = a[:, :n], a[:, n:2 * n], a[:, 2 * n:3 * n], a[:, 3 * n:]
        ct = cells[t]
        xp.multiply(f, c, out=ct)
        xp.multiply(i, g, out=tmp)
        ct += tmp
        ht = y[t] if raw is None else raw
        xp.tanh(ct, out=ht)
        ht *= o
        if raw is not None:
            xp.matmul(raw, w_hr_t, out=y[t])
        h, c = y[t], ct
    return y, y[last].copy(), cells[last].copy(), gates, cells


def _lstm_shapes(gates, cells, c0, w_hh, gy, gh, gc, gcells):
    """Whether the backward's arrays agree in shape, as the compiled loop reads them without looking (the op
    checks nothing: its inputs are the forward's outputs and their gradients)."""
    if cells.ndim != 3:
        return False
    steps, nb, n = cells.shape
    seq, state = (steps, nb, n), (nb, n)
    return (gates.shape == (steps, nb, 4 * n) and c0.shape == state and w_hh.shape == (4 * n, n)
            and all(a is None or a.shape == seq for a in (gy, gcells))
            and all(a is None or a.shape == state for a in (gh, gc)))


def _native_forward(step, xp, xw, h0, c0, ws, gates, cells, y, reverse):
    """The forward's time loop with each step's elementwise work in one compiled call (all arrays contiguous)."""
    nb, n = cells.shape[1:]
    c_first, xw = xp.ascontiguousarray(c0), xp.ascontiguousarray(xw)
    g_at, x_at, c_at, y_at = (_addr(a) for a in (gates, xw, cells, y))
    g_step, c_step = gates.strides[0], cells.strides[0]
    h, c_prev = h0, _addr(c_first)
    for t in _steps(len(cells), reverse):
        xp.matmul(h, ws, out=gates[t])
        step(nb, n, g_at + t * g_step, x_at + t * g_step, c_prev, c_at + t * c_step, y_at + t * c_step)
        h, c_prev = y[t], c_at + t * c_step


def _native_backward(step, xp, c0, w_hh, gates, cells, gy, gh, gc, gcells, reverse):
    """BPTT with each step's elementwise work in one compiled call: returns (dxw, dh0, dc0)."""
    steps, nb, n = cells.shape
    c_first, gates, cells = (xp.ascontiguousarray(a) for a in (c0, gates, cells))
    dxw = xp.empty_like(gates)
    dy = xp.zeros((nb, n), dtype=cells.dtype) if gh is None else xp.array(gh, dtype=cells.dtype, order="C")
    dc = xp.zeros((nb, n), dtype=cells.dtype) if gc is None else xp.array(gc, dtype=cells.dtype, order="C")
    g_at, c_at, d_at = _addr(gates), _addr(cells), _addr(dxw)
    g_step, c_step = gates.strides[0], cells.strides[0]
    dy_at, dc_at = _addr(dy), _addr(dc)
    first = steps - 1 if reverse else 0
    for t in _steps(steps, not reverse):
        if gy is not None:
            dy += gy[t]
        if gcells is not None:
            dc += gcells[t]
        c_prev = _addr(c_first) if t == first else c_at + (t + 1 if reverse else t - 1) * c_step
        step(nb, n, g_at + t * g_step, c_at + t * c_step, c_prev, dy_at, dc_at, d_at + t * g_step)
        xp.matmul(dxw[t], w_hh, out=dy)
    return dxw, dy, dc


def lstm_sequence_backward(be, xw, h0, c0, w_hh, w_hr, y, gates, cells, gy, gh, gc, ggates, gcells, reverse):
    xp = be.xp
    steps, n = cells.shape[0], cells.shape[-1]
    native = None
    if w_hr is None and ggates is None and _lstm_shapes(gates, cells, c0, w_hh, gy, gh, gc, gcells):
        native = _native_lstm(be, gates, cells, c0, w_hh, gy, gh, gc, gcells)
    if native is not None:
        dxw, dy, dc = _native_backward(native[1], xp, c0, w_hh, gates, cells, gy, gh, gc, gcells, reverse)
        return dxw, dy, dc, _weight_grad(xp, dxw, _previous(xp, y, h0, reverse)), xp.zeros((0,), dtype=y.dtype)
    i, f, g, o = (gates[..., k * n:(k + 1) * n] for k in range(4))
    tc = xp.tanh(cells)
    slope = 1 - gates                                 # s(1-s) for the sigmoid gates, 1-g^2 for g
    slope *= gates
    xp.multiply(g, g, out=slope[..., 2 * n:3 * n])
    xp.subtract(1, slope[..., 2 * n:3 * n], out=slope[..., 2 * n:3 * n])
    # what multiplies dc in the i, f, g pre-activations' gradients, and dh in o's; what dh adds to dc
    mult = xp.empty(cells.shape[:2] + (3, n), dtype=cells.dtype)
    xp.multiply(g, slope[..., :n], out=mult[:, :, 0])
    xp.multiply(_previous(xp, cells, c0, reverse), slope[..., n:2 * n], out=mult[:, :, 1])
    xp.multiply(i, slope[..., 2 * n:3 * n], out=mult[:, :, 2])
    mo = tc * slope[..., 3 * n:]
    ao = 1 - tc * tc
    ao *= o
    extra = None if ggates is None else ggates * slope  # a gradient of the activated gates themselves
    dxw = xp.empty_like(gates)
    dy = xp.zeros_like(h0) if gh is None else gh.copy()
    dc_next = xp.zeros_like(c0) if gc is None else gc.copy()
    dc = xp.empty_like(c0)
    dys = None if w_hr is None else xp.empty_like(y)
    dhr = None if w_hr is None else xp.empty_like(c0)
    for t in _steps(steps, not reverse):
        if gy is not None:
            dy += gy[t]
        if w_hr is not None:
            dys[t] = dy
            xp.matmul(dy, w_hr, out=dhr)
        d_h = dy if w_hr is None else dhr
        xp.multiply(d_h, ao[t], out=dc)
        dc += dc_next
        if gcells is not None:
            dc += gcells[t]
        d = dxw[t]
        xp.multiply(dc[:, None, :], mult[t], out=d.reshape(-1, 4, n)[:, :3])
        xp.multiply(d_h, mo[t], out=d[:, 3 * n:])
        if extra is not None:
            d += extra[t]
        xp.multiply(dc, f[t], out=dc_next)
        xp.matmul(d, w_hh, out=dy)
    dw_hh = _weight_grad(xp, dxw, _previous(xp, y, h0, reverse))
    dw_hr = xp.zeros((0,), dtype=y.dtype) if w_hr is None else _weight_grad(xp, dys, tc * o)
    return dxw, dy, dc_next, dw_hh, dw_hr


# -- GRU --------------------------------------------------------------------------------------------
def gru_sequence(be, xw, h0, w_hh, b_hh, reverse):
    xp = be.xp
    steps, n = xw.shape[0], h0.shape[-1]
    dt = xw.dtype
    scale = xp.ones(3 * n, dtype=dt)
    scale[:2 * n] = 0.5                       # r and z are sigmoids; n's pre-activation stays as it is
    xs = xw * scale
    ws = xp.ascontiguousarray((w_hh * scale[:, None]).T)  # contiguous: see lstm_sequence
    bs = None if b_hh is None else b_hh * scale
    reserve = xp.empty((steps,) + h0.shape[:1] + (4 * n,), dtype=dt)
    y = xp.empty((steps,) + h0.shape, dtype=dt)
    gh = xp.empty(h0.shape[:1] + (3 * n,), dtype=dt)
    native = _native_gru(be, xw, h0, w_hh, b_hh)
    if native is not None:  # the compiled step halves xw's r and z itself
        _native_gru_forward(native[0], xp, xw, h0, ws, bs, gh, reserve, y, reverse)
        return y, y[_last(steps, reverse)].copy(), reserve
    h = h0
    for t in _steps(steps, reverse):
        xp.matmul(h, ws, out=gh)
        if bs is not None:
            gh += bs
        res = reserve[t]
        rz = res[:, :2 * n]
        xp.add(xs[t][:, :2 * n], gh[:, :2 * n], out=rz)
        xp.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z, cand, hn = res[:, :n], res[:, n:2 * n], res[:, 2 * n:3 * n], res[:, 3 * n:]
        hn[...] = gh[:, 2 * n:]
        xp.multiply(r, hn, out=cand)
        cand += xs[t][:, 2 * n:]
        xp.tanh(cand, out=cand)
        yt = y[t]
        xp.subtract(h, cand, out=yt)
        yt *= z
        yt += cand
        h = yt
    return y, y[_last(steps, reverse)].copy(), reserve


def _native_gru_forward(step, xp, xw, h0, ws, bs, gh, reserve, y, reverse):
    """The GRU forward's time loop with each step's elementwise work in one compiled call."""
    nb, n = y.shape[1:]
    xw, h_first = xp.ascontiguousarray(xw), xp.ascontiguousarray(h0)
    bias = xp.zeros(3 * n, dtype=y.dtype) if bs is None else xp.ascontiguousarray(bs)
    x_at, r_at, y_at, g_at, b_at = _addr(xw), _addr(reserve), _addr(y), _addr(gh), _addr(bias)
    x_step, r_step, y_step = xw.strides[0], reserve.strides[0], y.strides[0]
    h, h_prev = h0, _addr(h_first)
    for t in _steps(len(y), reverse):
        xp.matmul(h, ws, out=gh)
        step(nb, n, g_at, b_at, x_at + t * x_step, h_prev, r_at + t * r_step, y_at + t * y_step)
        h, h_prev = y[t], y_at + t * y_step


def _native_gru_backward(step, xp, h0, w_hh, y, reserve, gy, gh, reverse):
    """GRU BPTT with each step's elementwise work in one compiled call: (dxw, dh0, dgh)."""
    steps, nb, n = y.shape
    h_first, reserve = xp.ascontiguousarray(h0), xp.ascontiguousarray(reserve)
    dxw = xp.empty((steps, nb, 3 * n), dtype=y.dtype)
    dgh = xp.empty_like(dxw)
    dh = xp.zeros((nb, n), dtype=y.dtype) if gh is None else xp.array(gh, dtype=y.dtype, order="C")
    direct = xp.zeros((nb, n), dtype=y.dtype)
    r_at, y_at, d_at, e_at = _addr(reserve), _addr(y), _addr(dxw), _addr(dgh)
    r_step, y_step, d_step = reserve.strides[0], y.strides[0], dxw.strides[0]
    dh_at, direct_at = _addr(dh), _addr(direct)
    first = steps - 1 if reverse else 0
    for t in _steps(steps, not reverse):
        if gy is not None:
            dh += gy[t]
        h_prev = _addr(h_first) if t == first else y_at + (t + 1 if reverse else t - 1) * y_step
        step(nb, n, r_at + t * r_step, h_prev, dh_at, direct_at, d_at + t * d_step, e_at + t * d_step)
        xp.matmul(dgh[t], w_hh, out=dh)
    dh += direct
    return dxw, dh, dgh


def _gru_shapes(y, reserve, h0, w_hh, gy, gh):
    """Whether the GRU backward's arrays agree in shape (see ``_lstm_shapes``)."""
    if y.ndim != 3:
        return False
    steps, nb, n = y.shape
    return (reserve.shape == (steps, nb, 4 * n) and h0.shape == (nb, n) and w_hh.shape == (3 * n, n)
            and (gy is None or gy.shape == y.shape) and (gh is None or gh.shape == (nb, n)))


def gru_sequence_backward(be, xw, h0, w_hh, b_hh, y, reserve, gy, gh, greserve, reverse):
    xp = be.xp
    steps, n = y.shape[0], y.shape[-1]
    native = None
    if greserve is None and _gru_shapes(y, reserve, h0, w_hh, gy, gh):
        native = _native_gru(be, y, reserve, h0, w_hh, gy, gh)
    if native is not None:
        y = xp.ascontiguousarray(y)
        dxw, dh, dgh = _native_gru_backward(native[1], xp, h0, w_hh, y, reserve, gy, gh, reverse)
        db_hh = xp.zeros((0,), dtype=y.dtype) if b_hh is None else dgh.sum(axis=(0, 1))
        return dxw, dh, _weight_grad(xp, dgh, _previous(xp, y, h0, reverse)), db_hh
    r, z, cand, hn = (reserve[..., k * n:(k + 1) * n] for k in range(4))
    prev = _previous(xp, y, h0, reverse)
    s_r, s_z, s_n = r * (1 - r), z * (1 - z), 1 - cand * cand
    q = (1 - z) * s_n                  # d a_n / d h_t
    zc = (prev - cand) * s_z           # d a_z / d h_t
    rc = hn * s_r                      # d a_r / d a_n
    extra = None
    if greserve is not None:           # gradients of r, z, n and hn themselves
        gr, gz, gn, ghn = (greserve[..., k * n:(k + 1) * n] for k in range(4))
        extra = (gr * s_r, gz * s_z, gn * s_n, ghn)
    dxw = xp.empty(y.shape[:2] + (3 * n,), dtype=y.dtype)
    dgh = xp.empty_like(dxw)
    dh = xp.zeros_like(h0) if gh is None else gh.copy()
    direct = xp.empty_like(h0)
    for t in _steps(steps, not reverse):
        if gy is not None:
            dh += gy[t]
        d, e = dxw[t], dgh[t]
        dar, daz, dan, dhn = d[:, :n], d[:, n:2 * n], d[:, 2 * n:], e[:, 2 * n:]
        xp.multiply(dh, q[t], out=dan)
        xp.multiply(dh, zc[t], out=daz)
        if extra is not None:
            dan += extra[2][t]
            daz += extra[1][t]
        xp.multiply(dan, rc[t], out=dar)
        xp.multiply(dan, r[t], out=dhn)
        if extra is not None:
            dar += extra[0][t]
            dhn += extra[3][t]
        e[:, :2 * n] = d[:, :2 * n]
        xp.multiply(dh, z[t], out=direct)
        xp.matmul(e, w_hh, out=dh)
        dh += direct
    dw_hh = _weight_grad(xp, dgh, prev)
    db_hh = xp.zeros((0,), dtype=y.dtype) if b_hh is None else dgh.sum(axis=(0, 1))
    return dxw, dh, dw_hh, db_hh


KERNELS = {"rnn_sequence": rnn_sequence, "rnn_sequence_backward": rnn_sequence_backward,
           "lstm_sequence": lstm_sequence, "lstm_sequence_backward": lstm_sequence_backward,
           "gru_sequence": gru_sequence, "gru_sequence_backward": gru_sequence_backward}
