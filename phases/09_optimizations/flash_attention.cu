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
    // YOUR CODE HERE (not written yet: see the comments above and the handout)
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
    // YOUR CODE HERE (not written yet: see the comments above and the handout)
}
