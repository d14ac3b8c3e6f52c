// KissFFT, single precision (Debian: libkissfft-dev, pkg-config kissfft-float).
#ifndef kiss_fft_scalar
#define kiss_fft_scalar float
#endif
#include <kiss_fft.h>
#include <kiss_fftr.h>
static inline void seismic_kiss_free(void *p) { kiss_fft_free(p); }
