// KissFFT, single precision (Debian: libkissfft-dev, pkg-config kissfft-float).
#ifndef kiss_fft_scalar
#define kiss_fft_scalar float
#endif
#include <kiss_fft.h>
#include <kiss_fftr.h>
