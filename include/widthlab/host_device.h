// WIDTHLAB_HOST_DEVICE marks a function that compiles as host code and, under nvcc, as device code too: the CUDA
// engines call the very formulas the CPU paths use (and their CPU tests check).
#pragma once

#if defined(__CUDACC__)
#define WIDTHLAB_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define WIDTHLAB_HOST_DEVICE inline
#endif
