/* One LSTM or GRU time step's elementwise work in one pass (float32), for the CPU backend's compiled kernels.
 *
 * The NumPy kernel spends about ten ufunc calls per step on (N, 4H) and (N, H) arrays, each 1.5-4 us of mostly
 * fixed cost at a training batch; here the step is one loop the compiler vectorises. tanh is computed from a
 * vectorisable exp (libm's calls would not vectorise) and stays within a few float32 ulps of NumPy's. Gate layout
 * and scaling are those of ndarray_recurrent.py: i, f, o are activated as sigmoid(z) = 0.5 * tanh(z / 2) + 0.5.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

/* e^y for y in [0, 18]: y = k ln2 + r with |r| <= ln2 / 2 (ln2 split in two so k * ln2 is exact enough), a degree-7
 * Taylor polynomial for e^r (error below 1e-8 relative) and k added to the exponent bits. */
static inline float nr_exp_small(float y) {
    float k = __builtin_rintf(y * 1.4426950408889634f);
    float r = y - k * 0.693145751953125f;
    r -= k * 1.4286068203094172e-06f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits;
    memcpy(&bits, &p, sizeof bits);
    bits += (int32_t)k << 23;
    memcpy(&p, &bits, sizeof p);
    return p;
}

/* tanh: the odd Taylor series below |x| = 1/4 (where 1 - 2 / (e^2x + 1) would cancel), that form above, +-1 past
 * 9 (where float32's tanh is 1), NaN kept. */
static inline float nr_tanh(float x) {
    float a = fabsf(x);
    float c = a < 9.0f ? a : 9.0f;
    float big = 1.0f - 2.0f / (nr_exp_small(2.0f * c) + 1.0f);
    float s = c * c;
    float small = c * (1.0f + s * (-1.0f / 3.0f + s * (2.0f / 15.0f + s * (-17.0f / 315.0f + s * (62.0f / 2835.0f
                  + s * (-1382.0f / 155925.0f))))));
    float t = copysignf(c < 0.25f ? small : (a < 9.1f ? big : 1.0f), x);
    return x != x ? x : t;
}

/* Forward of step t: gates (N, 4H) holds h_{t-1} @ ws (the sigmoid gates' rows of the weights halved), to which
 * xw_t (unscaled: halved here, exactly) is added; it leaves the activated gates there and writes c_t and h_t. All
 * rows contiguous. */
void nr_lstm_forward_step_f32(long n, long h, float *restrict gates, const float *restrict xs,
                              const float *restrict c_prev, float *restrict c_out, float *restrict h_out) {
    for (long r = 0; r < n; r++) {
        float *restrict a = gates + r * 4 * h;
        const float *restrict x = xs + r * 4 * h;
        const float *restrict cp = c_prev + r * h;
        float *restrict co = c_out + r * h, *restrict ho = h_out + r * h;
        for (long u = 0; u < h; u++) {
            float i = 0.5f * nr_tanh(a[u] + 0.5f * x[u]) + 0.5f;
            float f = 0.5f * nr_tanh(a[h + u] + 0.5f * x[h + u]) + 0.5f;
            float g = nr_tanh(a[2 * h + u] + x[2 * h + u]);
            float o = 0.5f * nr_tanh(a[3 * h + u] + 0.5f * x[3 * h + u]) + 0.5f;
            float c = f * cp[u] + i * g;
            a[u] = i;
            a[h + u] = f;
            a[2 * h + u] = g;
            a[3 * h + u] = o;
            co[u] = c;
            ho[u] = o * nr_tanh(c);
        }
    }
}

/* Backward of step t. dy (N, H) is dL/dh_t, dc (N, H) dL/dc_t from the later steps (and any gradient of the step's
 * own outputs), which leaves with dL/dc_{t-1}; d (N, 4H) receives the gradient of the pre-activations (unscaled). */
void nr_lstm_backward_step_f32(long n, long h, const float *restrict gates, const float *restrict c_t,
                               const float *restrict c_prev, const float *restrict dy, float *restrict dc,
                               float *restrict d) {
    for (long r = 0; r < n; r++) {
        const float *restrict a = gates + r * 4 * h;
        const float *restrict ct = c_t + r * h, *restrict cp = c_prev + r * h;
        const float *restrict dyr = dy + r * h;
        float *restrict dcr = dc + r * h, *restrict dr = d + r * 4 * h;
        for (long u = 0; u < h; u++) {
            float i = a[u], f = a[h + u], g = a[2 * h + u], o = a[3 * h + u];
            float tc = nr_tanh(ct[u]);
            float dh = dyr[u];
            float dcu = dh * o * (1.0f - tc * tc) + dcr[u];
            dr[u] = dcu * g * (i * (1.0f - i));
            dr[h + u] = dcu * cp[u] * (f * (1.0f - f));
            dr[2 * h + u] = dcu * i * (1.0f - g * g);
            dr[3 * h + u] = dh * tc * (o * (1.0f - o));
            dcr[u] = dcu * f;
        }
    }
}

/* GRU forward of step t: gh (N, 3H) holds h_{t-1} @ ws (the r and z rows of the weights halved), bs (3H) the
 * recurrent bias scaled alike (zeros without one), xw (N, 3H) the step's input share (unscaled: r and z halved
 * here); it writes reserve (N, 4H) = r, z, n, h_{t-1} @ w_hn + b_hn, and h_t. */
void nr_gru_forward_step_f32(long n, long h, const float *restrict gh, const float *restrict bs,
                             const float *restrict xw, const float *restrict h_prev, float *restrict reserve,
                             float *restrict h_out) {
    for (long r = 0; r < n; r++) {
        const float *restrict g = gh + r * 3 * h, *restrict x = xw + r * 3 * h, *restrict hp = h_prev + r * h;
        float *restrict res = reserve + r * 4 * h, *restrict ho = h_out + r * h;
        for (long u = 0; u < h; u++) {
            float gr = g[u] + bs[u], gz = g[h + u] + bs[h + u], gn = g[2 * h + u] + bs[2 * h + u];
            float rg = 0.5f * nr_tanh(0.5f * x[u] + gr) + 0.5f;
            float zg = 0.5f * nr_tanh(0.5f * x[h + u] + gz) + 0.5f;
            float cand = nr_tanh(rg * gn + x[2 * h + u]);
            res[u] = rg;
            res[h + u] = zg;
            res[2 * h + u] = cand;
            res[3 * h + u] = gn;
            ho[u] = (hp[u] - cand) * zg + cand;
        }
    }
}

/* GRU backward of step t. dh (N, H) is the later steps' product with the recurrent weights, to which ``direct``
 * (N, H: the previous call's dh * z, zeros at first) adds; dh also carries the gradient of the step's own output,
 * added by the caller. It writes d (N, 3H) = the pre-activations' gradients (r, z, n), e (N, 3H) = the same with
 * n's replaced by hn's (what multiplies the recurrent weights), and leaves direct = dh * z for the next call. */
void nr_gru_backward_step_f32(long n, long h, const float *restrict reserve, const float *restrict h_prev,
                              const float *restrict dh, float *restrict direct, float *restrict d,
                              float *restrict e) {
    for (long r = 0; r < n; r++) {
        const float *restrict res = reserve + r * 4 * h, *restrict hp = h_prev + r * h, *restrict dr = dh + r * h;
        float *restrict dir = direct + r * h, *restrict dd = d + r * 3 * h, *restrict ee = e + r * 3 * h;
        for (long u = 0; u < h; u++) {
            float rg = res[u], zg = res[h + u], cand = res[2 * h + u], hn = res[3 * h + u];
            float g = dr[u] + dir[u];
            float dan = g * ((1.0f - zg) * (1.0f - cand * cand));
            float daz = g * ((hp[u] - cand) * (zg * (1.0f - zg)));
            float dar = dan * (hn * (rg * (1.0f - rg)));
            dd[u] = dar;
            dd[h + u] = daz;
            dd[2 * h + u] = dan;
            ee[u] = dar;
            ee[h + u] = daz;
            ee[2 * h + u] = dan * rg;
            dir[u] = g * zg;
        }
    }
}
