// C = A @ B, one 16 x 16 tile of C per block of 16 x 16 threads, one element per thread.
// A is (M, K), B is (K, N), C is (M, N), all float32 and row-major.
//
// Every element of A is needed by N threads and every element of B by M: read from global
// memory each time, the kernel waits on memory. So the block walks along K one tile at a time:
// each thread loads one element of A's tile and one of B's into shared memory, the block waits
// (__syncthreads) until both tiles are complete, every thread adds its 16 products from shared
// memory, and the block waits again before the tiles are overwritten. Loads past the edges of
// A or B write 0, so sizes that are not multiples of 16 need no other case; the store is
// guarded the same way.
#define TILE 16

extern "C" __global__ void matmul_tiled(const float* A, const float* B, float* C, int M, int N, int K) {
    __shared__ float As[TILE][TILE];
    __shared__ float Bs[TILE][TILE];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int row = blockIdx.y * TILE + ty;          // the element of C this thread computes
    const int col = blockIdx.x * TILE + tx;
    // ### BEGIN SOLUTION
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TILE) {
        const int a_col = k0 + tx, b_row = k0 + ty;
        As[ty][tx] = (row < M && a_col < K) ? A[row * K + a_col] : 0.0f;
        Bs[ty][tx] = (b_row < K && col < N) ? B[b_row * N + col] : 0.0f;
        __syncthreads();
        for (int kk = 0; kk < TILE; ++kk) {
            acc += As[ty][kk] * Bs[kk][tx];
        }
        __syncthreads();
    }
    if (row < M && col < N) {
        C[row * N + col] = acc;
    }
    // ### END SOLUTION
}
