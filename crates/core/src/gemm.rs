//! gemm (in progress)
