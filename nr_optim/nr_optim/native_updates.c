/* Adam/AdamW's and SGD's update of one parameter (float32) in one pass, for the CPU backend's compiled kernels.
 *
 * The NumPy kernels (_kernels.adam_update, sgd_update) make up to twelve passes over the parameter and its states;
 * these loops make one. It performs the same float32 operations in the same order, each rounded once (the library is built
 * with -ffp-contract=off, so no product is fused into an add), so the results are the NumPy kernel's bits. The
 * constants arrive as the float32 values NumPy would convert the Python floats to.
 */

/* NumPy's maximum: NaN if either is NaN */
static inline float nr_maximum(float a, float b) {
    float m = a > b ? a : b;
    m = b != b ? b : m;
    return a != a ? a : m;
}

void nr_adam_update_f32(long n, float *restrict p, const float *restrict grad, float *restrict m,
                        float *restrict s, float *restrict mx, int maximize, float weight_decay, int coupled_decay,
                        float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, float eps_term,
                        float step_size, float decay_factor) {
    for (long k = 0; k < n; k++) {
        float g = maximize ? -grad[k] : grad[k];
        if (coupled_decay)
            g = p[k] * weight_decay + g;
        float mk = m[k] * beta1;
        mk = mk + g * one_minus_beta1;
        m[k] = mk;
        float sq = g * g;
        sq = sq * one_minus_beta2;
        float sk = s[k] * beta2;
        sk = sk + sq;
        s[k] = sk;
        if (mx) {
            sk = nr_maximum(mx[k], sk);
            mx[k] = sk;
        }
        float denom = __builtin_sqrtf(sk) + eps_term;
        float update = mk / denom;
        update = update * step_size;
        float pk = p[k];
        if (decay_factor != 1.0f)
            pk = pk * decay_factor;
        p[k] = pk - update;
    }
}

/* SGD's update of one parameter (float32), the NumPy kernel's operations in its order: the direction (negated when
 * maximizing, plus p * weight_decay), the momentum buffer (``buf`` NULL without momentum; ``fresh``: its first
 * step, which sets it to the direction), Nesterov's look-ahead, then p - g * lr. */
void nr_sgd_update_f32(long n, float *restrict p, const float *restrict grad, float *restrict buf, int maximize,
                       float weight_decay, int decay, float momentum, int fresh, int damped, float one_minus_dampening,
                       int nesterov, float lr) {
    for (long k = 0; k < n; k++) {
        float g = maximize ? -grad[k] : grad[k];
        if (decay)
            g = p[k] * weight_decay + g;
        if (buf) {
            float b;
            if (fresh) {
                b = g;
            } else {
                b = buf[k] * momentum;
                b = b + (damped ? g * one_minus_dampening : g);
            }
            buf[k] = b;
            g = nesterov ? b * momentum + g : b;
        }
        p[k] = p[k] - g * lr;
    }
}
