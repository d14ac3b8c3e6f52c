// seismic_spin: the CPU's spin-wait hint, for the short busy waits of SeismicNN's thread barrier.
#ifndef SEISMIC_SPIN_H
#define SEISMIC_SPIN_H

/// Tells the CPU the caller is in a spin-wait loop (x86 PAUSE, arm64 YIELD): the loop uses less
/// power and leaves the core's resources to the other hardware thread.
static inline void sk_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
