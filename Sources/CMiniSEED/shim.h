// libmseed 2 (Debian libmseed-dev) for SeismicIO's miniSEED reader and writer.
#include <libmseed.h>

// libmseed prints its diagnostics to stderr through one process-wide logger; the reader reports
// every failure itself (file, byte offset, reason), so the library's own lines are silenced.
static void seismic_ms_discard(char *message) { (void)message; }
static inline void seismic_ms_quiet(void) { ms_loginit(seismic_ms_discard, NULL, seismic_ms_discard, NULL); }

// Whether a fixed data record header (sequence number, quality indicator, sane time fields; libmseed's
// MS_ISVALIDHEADER, a macro Swift cannot import) starts at `p`, which must hold at least 48 bytes.
static inline int seismic_ms_is_header(const char *p) { return MS_ISVALIDHEADER(p) ? 1 : 0; }
