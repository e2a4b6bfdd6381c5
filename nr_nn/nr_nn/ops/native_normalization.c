/* Batch normalisation in training mode (float32, (N, C, *spatial) contiguous) for the CPU backend's compiled kernels:
 * per channel, the statistics in two passes and the output in a third (the NumPy kernel makes six full passes and
 * two temporaries), the gradient in two (nine in NumPy). Sums accumulate in double; everything else is the NumPy
 * kernel's float32 arithmetic in its order, so the outputs differ from it only by the sums' rounding.
 */

/* Sums over one run of len values: sixteen float lanes (a loop the compiler vectorises; a double accumulator would
 * serialise on its add's latency), folded into double every BLOCK values and at the end. */
#define LANES 16
#define BLOCK 1024

static double run_sum(const float *restrict p, long len) {
    double s = 0.0;
    long k = 0;
    while (k + LANES <= len) {
        float lane[LANES] = {0};
        long end = k + BLOCK < len ? k + BLOCK : len;
        for (; k + LANES <= end; k += LANES)
            for (int l = 0; l < LANES; l++)
                lane[l] += p[k + l];
        for (int l = 0; l < LANES; l++)
            s += lane[l];
    }
    for (; k < len; k++)
        s += p[k];
    return s;
}

/* sum of (p - mu)^2, the deviations rounded to float as the NumPy kernel's are */
static double run_sqdev(const float *restrict p, long len, float mu) {
    double s = 0.0;
    long k = 0;
    while (k + LANES <= len) {
        float lane[LANES] = {0};
        long end = k + BLOCK < len ? k + BLOCK : len;
        for (; k + LANES <= end; k += LANES)
            for (int l = 0; l < LANES; l++) {
                float d = p[k + l] - mu;
                lane[l] += d * d;
            }
        for (int l = 0; l < LANES; l++)
            s += lane[l];
    }
    for (; k < len; k++) {
        float d = p[k] - mu;
        s += d * d;
    }
    return s;
}

/* sum of g and of g * (x - mu) * rstd */
static void run_grad_sums(const float *restrict x, const float *restrict g, long len, float mu, float rstd,
                          double *sb, double *sw) {
    long k = 0;
    while (k + LANES <= len) {
        float lb[LANES] = {0}, lw[LANES] = {0};
        long end = k + BLOCK < len ? k + BLOCK : len;
        for (; k + LANES <= end; k += LANES)
            for (int l = 0; l < LANES; l++) {
                float xhat = (x[k + l] - mu) * rstd;
                lb[l] += g[k + l];
                lw[l] += g[k + l] * xhat;
            }
        for (int l = 0; l < LANES; l++) {
            *sb += lb[l];
            *sw += lw[l];
        }
    }
    for (; k < len; k++) {
        float xhat = (x[k] - mu) * rstd;
        *sb += g[k];
        *sw += g[k] * xhat;
    }
}

void nr_batch_norm_f32(long n, long c, long hw, const float *restrict x, const float *restrict weight,
                       const float *restrict bias, float eps, float *restrict y, float *restrict mean,
                       float *restrict var) {
    double m = (double)(n * hw);
    for (long ch = 0; ch < c; ch++) {
        double s = 0.0, q = 0.0;
        for (long b = 0; b < n; b++)
            s += run_sum(x + (b * c + ch) * hw, hw);
        float mu = (float)(s / m);
        for (long b = 0; b < n; b++)
            q += run_sqdev(x + (b * c + ch) * hw, hw, mu);
        float v = (float)(q / m);
        float scale = 1.0f / __builtin_sqrtf(v + eps);
        if (weight)
            scale *= weight[ch];
        float shift = bias ? bias[ch] : 0.0f;
        for (long b = 0; b < n; b++) {
            const float *restrict xr = x + (b * c + ch) * hw;
            float *restrict yr = y + (b * c + ch) * hw;
            if (bias)
                for (long k = 0; k < hw; k++)
                    yr[k] = (xr[k] - mu) * scale + shift;
            else
                for (long k = 0; k < hw; k++)
                    yr[k] = (xr[k] - mu) * scale;
        }
        mean[ch] = mu;
        var[ch] = v;
    }
}

/* the gradient for the output's gradient gy alone (no gradient of the returned mean and variance) */
void nr_batch_norm_backward_f32(long n, long c, long hw, const float *restrict x, const float *restrict weight,
                                const float *restrict mean, const float *restrict var, const float *restrict gy,
                                float eps, float *restrict gx, float *restrict gw, float *restrict gb) {
    float m = (float)(n * hw);
    for (long ch = 0; ch < c; ch++) {
        float mu = mean[ch], rstd = 1.0f / __builtin_sqrtf(var[ch] + eps);
        double sb = 0.0, sw = 0.0;
        for (long b = 0; b < n; b++)
            run_grad_sums(x + (b * c + ch) * hw, gy + (b * c + ch) * hw, hw, mu, rstd, &sb, &sw);
        float b_ = (float)sb, w_ = (float)sw;
        float wm = w_ / m, bm = b_ / m, scale = weight ? rstd * weight[ch] : rstd;
        for (long b = 0; b < n; b++) {
            const float *restrict xr = x + (b * c + ch) * hw, *restrict gr = gy + (b * c + ch) * hw;
            float *restrict out = gx + (b * c + ch) * hw;
            for (long k = 0; k < hw; k++) {
                float xhat = (xr[k] - mu) * rstd;
                out[k] = ((gr[k] - xhat * wm) - bm) * scale;
            }
        }
        gw[ch] = w_;
        gb[ch] = b_;
    }
}
