// CBLAS from OpenBLAS (Debian: libopenblas-dev). On Apple platforms SeismicNN uses Accelerate instead.
#include <cblas.h>

/// Sets the number of OpenBLAS worker threads (SeismicNN parallelises itself and calls BLAS per core).
static inline void seismic_blas_set_threads(int n) { openblas_set_num_threads(n); }
