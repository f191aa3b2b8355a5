// Fused attention, forward and backward: flash.py's online softmax, one thread per row.
// q, dq, out, dout are (B, H, T, D); k, v, dk, dv are (B, Hkv, T, D); lse and dsum are (B, H, T);
// all float32 and contiguous. Query head h reads key/value head h / (H / Hkv). D <= DMAX.
//
// Forward: a block holds BQ queries of one head (blockIdx.x: the query tile, .y: the head,
// .z: the batch row), one per thread, each with its scaled q, running maximum m, running sum
// l and unnormalised output acc in registers. The block walks over the keys BK at a time: all
// its threads load the tile of K and V into shared memory together, wait, then each thread
// scores its query against the BK keys, rescales l and acc by exp(m - m_new) and adds the
// tile's share; the block waits again before the next tile overwrites shared memory. With
// causal set, the walk stops at the query tile's last row and keys after a row are masked.
// The scores never exist outside one thread's registers: nothing of size T x T is written.
#define BQ 32
#define BK 32
#define DMAX 64

extern "C" __global__ void flash_forward(const float* q, const float* k, const float* v, float* out, float* lse,
                                         int H, int Hkv, int T, int D, float scale, int causal) {
    __shared__ float Ks[BK][DMAX];
    __shared__ float Vs[BK][DMAX];
    const int i = threadIdx.x, q0 = blockIdx.x * BQ, h = blockIdx.y, b = blockIdx.z;
    const int row = q0 + i;                                    // this thread's query
    const int hk = h / (H / Hkv);
    const float* qh = q + (size_t)(b * H + h) * T * D;
    const float* kh = k + (size_t)(b * Hkv + hk) * T * D;
    const float* vh = v + (size_t)(b * Hkv + hk) * T * D;
    // ### BEGIN SOLUTION
    float qr[DMAX], acc[DMAX];
    for (int d = 0; d < D; ++d) {
        qr[d] = row < T ? qh[row * D + d] * scale : 0.0f;
        acc[d] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    const int k_end = causal ? min(T, q0 + BQ) : T;
    for (int k0 = 0; k0 < k_end; k0 += BK) {
        for (int e = i; e < BK * D; e += BQ) {                // the block loads the tile together
            const int r = e / D, c = e % D;
            Ks[r][c] = k0 + r < T ? kh[(k0 + r) * D + c] : 0.0f;
            Vs[r][c] = k0 + r < T ? vh[(k0 + r) * D + c] : 0.0f;
        }
        __syncthreads();
        const int nk = min(BK, T - k0);
        if (row < T) {
            float s[BK];
            float m_new = m;
            for (int j = 0; j < nk; ++j) {
                float dot = 0.0f;
                for (int d = 0; d < D; ++d) dot += qr[d] * Ks[j][d];
                s[j] = (causal && k0 + j > row) ? -INFINITY : dot;
                m_new = fmaxf(m_new, s[j]);
            }
            if (m_new > -INFINITY) {                           // at least one key of the tile is seen
                const float alpha = expf(m - m_new);           // 0 on the first tile (m = -inf)
                l *= alpha;
                for (int d = 0; d < D; ++d) acc[d] *= alpha;
                for (int j = 0; j < nk; ++j) {
                    const float p = expf(s[j] - m_new);
                    l += p;
                    for (int d = 0; d < D; ++d) acc[d] += p * Vs[j][d];
                }
                m = m_new;
            }
        }
        __syncthreads();
    }
    if (row < T) {
        float* o = out + ((size_t)(b * H + h) * T + row) * D;
        for (int d = 0; d < D; ++d) o[d] = acc[d] / l;
        lse[(size_t)(b * H + h) * T + row] = m + logf(l);
    }
    // ### END SOLUTION
}

// Backward: a block holds BK keys of one key/value head (blockIdx.x: the key tile, .y: the
// key/value head, .z: the batch row), one per thread, each with its k and v rows and its dk
// and dv accumulators in registers. For each query head that shares the key/value head, the
// block walks over the queries BQ at a time, loading q, dout, lse and dsum (= rowsum(dout * out),
// computed before the launch) into shared memory. Each thread recomputes its key's probability
// for every query of the tile, p = exp(q.k * scale - lse), and adds dv += p dout,
// ds = p (dout.v - dsum), dk += ds q * scale. dq needs the sum over all key tiles, which live
// in other blocks: each thread adds its ds k * scale into dq with atomicAdd. With causal set,
// query tiles that end before the key tile starts are skipped, and queries before a key masked.
extern "C" __global__ void flash_backward(const float* q, const float* k, const float* v, const float* dout,
                                          const float* lse, const float* dsum, float* dq, float* dk, float* dv,
                                          int H, int Hkv, int T, int D, float scale, int causal) {
    __shared__ float Qs[BQ][DMAX];
    __shared__ float dOs[BQ][DMAX];
    __shared__ float Ls[BQ];
    __shared__ float Ds[BQ];
    const int j = threadIdx.x, k0 = blockIdx.x * BK, hk = blockIdx.y, b = blockIdx.z;
    const int key = k0 + j;                                    // this thread's key
    const int group = H / Hkv;
    const float* kh = k + (size_t)(b * Hkv + hk) * T * D;
    const float* vh = v + (size_t)(b * Hkv + hk) * T * D;
    // ### BEGIN SOLUTION
    float kr[DMAX], vr[DMAX], dk_acc[DMAX], dv_acc[DMAX];
    for (int d = 0; d < D; ++d) {
        kr[d] = key < T ? kh[key * D + d] : 0.0f;
        vr[d] = key < T ? vh[key * D + d] : 0.0f;
        dk_acc[d] = 0.0f;
        dv_acc[d] = 0.0f;
    }
    const int first = causal ? k0 / BQ * BQ : 0;
    for (int h = hk * group; h < (hk + 1) * group; ++h) {
        const size_t base = (size_t)(b * H + h) * T;
        for (int q0 = first; q0 < T; q0 += BQ) {
            for (int e = j; e < BQ * D; e += BK) {
                const int r = e / D, c = e % D;
                Qs[r][c] = q0 + r < T ? q[(base + q0 + r) * D + c] : 0.0f;
                dOs[r][c] = q0 + r < T ? dout[(base + q0 + r) * D + c] : 0.0f;
            }
            for (int r = j; r < BQ; r += BK) {
                Ls[r] = q0 + r < T ? lse[base + q0 + r] : 0.0f;
                Ds[r] = q0 + r < T ? dsum[base + q0 + r] : 0.0f;
            }
            __syncthreads();
            if (key < T) {
                const int nq = min(BQ, T - q0);
                for (int i = 0; i < nq; ++i) {
                    if (causal && key > q0 + i) continue;     // query q0 + i does not see this key
                    float s = 0.0f, dp = 0.0f;
                    for (int d = 0; d < D; ++d) {
                        s += Qs[i][d] * kr[d];
                        dp += dOs[i][d] * vr[d];
                    }
                    const float p = expf(s * scale - Ls[i]);
                    const float ds = p * (dp - Ds[i]);
                    float* dqi = dq + (base + q0 + i) * D;
                    for (int d = 0; d < D; ++d) {
                        dv_acc[d] += p * dOs[i][d];
                        dk_acc[d] += ds * Qs[i][d] * scale;
                        atomicAdd(&dqi[d], ds * kr[d] * scale);
                    }
                }
            }
            __syncthreads();
        }
    }
    if (key < T) {
        float* dkr = dk + ((size_t)(b * Hkv + hk) * T + key) * D;
        float* dvr = dv + ((size_t)(b * Hkv + hk) * T + key) * D;
        for (int d = 0; d < D; ++d) {
            dkr[d] = dk_acc[d];
            dvr[d] = dv_acc[d];
        }
    }
    // ### END SOLUTION
}
