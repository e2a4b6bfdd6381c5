/* Adam/AdamW's update of one parameter (float32) in one pass, for the CPU backend's compiled kernels.
 *
 * The NumPy kernel (_kernels.adam_update) makes about twelve passes over the parameter and its states; this loop
 * makes one. It performs the same float32 operations in the same order, each rounded once (the library is built
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
