// One row, one block: fused.py's cross-entropy and norms as kernels. The grid has one block per
// row (blockIdx.x), and the block's THREADS threads share the row: thread t takes the columns
// t, t + THREADS, t + 2 THREADS, ... Each thread keeps its own partial result in registers;
// block_sum and block_max combine the partials of all threads through shared memory, in a
// tree: half the threads add the other half's values, then a quarter, ..., with a barrier at
// each level, and every thread reads the total at the end. All arrays are float32 and
// row-major; targets are int32.
#define THREADS 128

// The sum (block_sum) or maximum (block_max) of v over the block's threads, returned to every
// thread. buf is a __shared__ array of THREADS floats. Every thread of the block must call it.
__device__ float block_sum(float v, float* buf) {
    // ### BEGIN SOLUTION
    buf[threadIdx.x] = v;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s /= 2) {
        if (threadIdx.x < s) buf[threadIdx.x] += buf[threadIdx.x + s];
        __syncthreads();
    }
    const float total = buf[0];
    __syncthreads();                                  // buf is free again for the next reduction
    return total;
    // ### END SOLUTION
}

__device__ float block_max(float v, float* buf) {
    // ### BEGIN SOLUTION
    buf[threadIdx.x] = v;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s /= 2) {
        if (threadIdx.x < s) buf[threadIdx.x] = fmaxf(buf[threadIdx.x], buf[threadIdx.x + s]);
        __syncthreads();
    }
    const float total = buf[0];
    __syncthreads();
    return total;
    // ### END SOLUTION
}

// Cross-entropy of row r: each thread runs the online softmax over its columns (a running
// maximum m and sum l), the block combines them (M = max m, L = sum of l · exp(m - M)), and
// lse = M + log L. Thread 0 writes losses[r] = lse - z[target] (0 for an ignored row); then
// every thread writes its columns of the gradient, (exp(z - lse) - onehot) · inv_n, 0 on an
// ignored row. inv_n[0] = 1 / (rows not ignored), computed on the device before the launch (a
// pointer, so that the host never waits for it).
extern "C" __global__ void cross_entropy_fused(const float* logits, const int* targets, float* losses,
                                               float* dlogits, int N, int V, int ignore_index, const float* inv_n) {
    __shared__ float buf[THREADS];
    const int r = blockIdx.x, t = threadIdx.x;
    const float* z = logits + (size_t)r * V;
    float* dz = dlogits + (size_t)r * V;
    const int target = targets[r];
    // ### BEGIN SOLUTION
    float m = -INFINITY, l = 0.0f;
    for (int c = t; c < V; c += THREADS) {
        const float m_new = fmaxf(m, z[c]);
        l = l * expf(m - m_new) + expf(z[c] - m_new);
        m = m_new;
    }
    const float M = block_max(m, buf);
    const float L = block_sum(m == -INFINITY ? 0.0f : l * expf(m - M), buf);
    const float lse = M + logf(L);
    const bool ignored = target == ignore_index;
    if (t == 0) losses[r] = ignored ? 0.0f : lse - z[target];
    for (int c = t; c < V; c += THREADS)
        dz[c] = ignored ? 0.0f : (expf(z[c] - lse) - (c == target ? 1.0f : 0.0f)) * inv_n[0];
    // ### END SOLUTION
}

// LayerNorm forward of row r: mean, then rstd = 1 / sqrt(mean((x - mean)²) + eps), then
// y = (x - mean) · rstd · w (+ b when has_bias). Thread 0 saves mean[r] and rstd[r].
extern "C" __global__ void layernorm_forward(const float* x, const float* w, const float* b, float* y, float* mean,
                                             float* rstd, int N, int C, float eps, int has_bias) {
    __shared__ float buf[THREADS];
    const int r = blockIdx.x, t = threadIdx.x;
    const float* xr = x + (size_t)r * C;
    float* yr = y + (size_t)r * C;
    // ### BEGIN SOLUTION
    float s = 0.0f;
    for (int c = t; c < C; c += THREADS) s += xr[c];
    const float mu = block_sum(s, buf) / C;
    float v = 0.0f;
    for (int c = t; c < C; c += THREADS) v += (xr[c] - mu) * (xr[c] - mu);
    const float rs = rsqrtf(block_sum(v, buf) / C + eps);
    for (int c = t; c < C; c += THREADS) yr[c] = (xr[c] - mu) * rs * w[c] + (has_bias ? b[c] : 0.0f);
    if (t == 0) {
        mean[r] = mu;
        rstd[r] = rs;
    }
    // ### END SOLUTION
}

// LayerNorm backward of row r, with x̂ = (x - mean) · rstd and ĝ = dy · w:
// dx = rstd · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂)). dw = Σ_rows dy · x̂ and db = Σ_rows dy gather
// every row's share: each thread adds its columns into dw and db (zeroed before the launch)
// with atomicAdd, since all the blocks add into the same C numbers.
extern "C" __global__ void layernorm_backward(const float* dy, const float* x, const float* w, const float* mean,
                                              const float* rstd, float* dx, float* dw, float* db, int N, int C,
                                              int has_bias) {
    __shared__ float buf[THREADS];
    const int r = blockIdx.x, t = threadIdx.x;
    const float* dyr = dy + (size_t)r * C;
    const float* xr = x + (size_t)r * C;
    float* dxr = dx + (size_t)r * C;
    // ### BEGIN SOLUTION
    const float mu = mean[r], rs = rstd[r];
    float sg = 0.0f, sgx = 0.0f;
    for (int c = t; c < C; c += THREADS) {
        const float xhat = (xr[c] - mu) * rs, g = dyr[c] * w[c];
        sg += g;
        sgx += g * xhat;
    }
    const float mean_g = block_sum(sg, buf) / C;
    const float mean_gx = block_sum(sgx, buf) / C;
    for (int c = t; c < C; c += THREADS) {
        const float xhat = (xr[c] - mu) * rs, g = dyr[c] * w[c];
        dxr[c] = rs * (g - mean_g - xhat * mean_gx);
        atomicAdd(&dw[c], dyr[c] * xhat);
        if (has_bias) atomicAdd(&db[c], dyr[c]);
    }
    // ### END SOLUTION
}

// RMSNorm forward of row r: rstd = 1 / sqrt(mean(x²) + eps), y = x · rstd · w; rstd[r] saved.
extern "C" __global__ void rmsnorm_forward(const float* x, const float* w, float* y, float* rstd, int N, int C,
                                           float eps) {
    __shared__ float buf[THREADS];
    const int r = blockIdx.x, t = threadIdx.x;
    const float* xr = x + (size_t)r * C;
    float* yr = y + (size_t)r * C;
    // ### BEGIN SOLUTION
    float s = 0.0f;
    for (int c = t; c < C; c += THREADS) s += xr[c] * xr[c];
    const float rs = rsqrtf(block_sum(s, buf) / C + eps);
    for (int c = t; c < C; c += THREADS) yr[c] = xr[c] * rs * w[c];
    if (t == 0) rstd[r] = rs;
    // ### END SOLUTION
}

// RMSNorm backward of row r: dx = rstd · (ĝ - x̂ · mean(ĝ · x̂)), dw += dy · x̂ (atomicAdd).
extern "C" __global__ void rmsnorm_backward(const float* dy, const float* x, const float* w, const float* rstd,
                                            float* dx, float* dw, int N, int C) {
    __shared__ float buf[THREADS];
    const int r = blockIdx.x, t = threadIdx.x;
    const float* dyr = dy + (size_t)r * C;
    const float* xr = x + (size_t)r * C;
    float* dxr = dx + (size_t)r * C;
    // ### BEGIN SOLUTION
    const float rs = rstd[r];
    float sgx = 0.0f;
    for (int c = t; c < C; c += THREADS) sgx += dyr[c] * w[c] * xr[c] * rs;
    const float mean_gx = block_sum(sgx, buf) / C;
    for (int c = t; c < C; c += THREADS) {
        const float xhat = xr[c] * rs;
        dxr[c] = rs * (dyr[c] * w[c] - xhat * mean_gx);
        atomicAdd(&dw[c], dyr[c] * xhat);
    }
    // ### END SOLUTION
}
