// C = A @ B with register tiling: a block of 16 x 16 threads computes a 64 x 64 tile of C, each
// thread a 4 x 4 patch of it, held in registers. A is (M, K), B is (K, N), C is (M, N), float32,
// row-major.
//
// The tiled kernel does one multiply-add per two values it reads from shared memory. Here a
// thread reads 4 values of A's tile and 4 of B's and does 16 multiply-adds with them (an outer
// product), four times the arithmetic per read. Per step of 8 along K the block loads A's
// 64 x 8 tile, stored transposed (As[k][m], so that a thread's 4 rows sit side by side), and B's
// 8 x 64 tile: 512 values each, two per thread. Out of range loads write 0; the stores are
// guarded.
#define BM 64
#define BN 64
#define BK 8
#define TM 4
#define TN 4
#define THREADS 256  // (BM / TM) * (BN / TN)

extern "C" __global__ void matmul_register(const float* A, const float* B, float* C, int M, int N, int K) {
    __shared__ float As[BK][BM];
    __shared__ float Bs[BK][BN];
    const int tx = threadIdx.x, ty = threadIdx.y;    // 16 x 16: this thread's patch is rows
    const int tid = ty * (BN / TN) + tx;             // ty*TM .. ty*TM+3, columns tx*TN .. tx*TN+3
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    // YOUR CODE HERE (not written yet: see the comments above and the handout)
}
