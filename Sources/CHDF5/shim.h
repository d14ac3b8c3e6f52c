// libhdf5 (serial; Debian: libhdf5-dev). HDF5 exposes its type and flag constants as macros that
// expand to global ids after H5open(), which Swift cannot import: these inline functions stand in.
#include <hdf5.h>

static inline hid_t seismic_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t seismic_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t seismic_h5t_native_int16(void) { return H5T_NATIVE_SHORT; }
static inline hid_t seismic_h5t_native_int32(void) { return H5T_NATIVE_INT; }
static inline hid_t seismic_h5t_native_int64(void) { return H5T_NATIVE_LLONG; }
static inline hid_t seismic_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t seismic_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t seismic_h5s_all(void) { return H5S_ALL; }
static inline hid_t seismic_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t seismic_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline unsigned seismic_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned seismic_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned seismic_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline size_t seismic_h5t_variable(void) { return H5T_VARIABLE; }
/// Silences HDF5's own error printing; SeismicIO reports errors as typed Swift errors.
static inline void seismic_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
/// 1 when `type` is one of HDF5's standard integer (8–64 bit, either byte order, signed or not) or
/// IEEE float (32/64 bit) types — what h5py and numpy write — else 0. Reading converts from the
/// stored type, and libhdf5 1.10's conversion of a non-standard type from a malformed file (an
/// integer whose bit offset lies beyond its size) faults (SIGBUS in H5T__bit_copy), so only
/// these are read.
static inline int seismic_h5t_is_standard_number(hid_t type) {
    const hid_t standard[] = {
        H5T_STD_I8LE, H5T_STD_I8BE, H5T_STD_I16LE, H5T_STD_I16BE, H5T_STD_I32LE, H5T_STD_I32BE, H5T_STD_I64LE, H5T_STD_I64BE,
        H5T_STD_U8LE, H5T_STD_U8BE, H5T_STD_U16LE, H5T_STD_U16BE, H5T_STD_U32LE, H5T_STD_U32BE, H5T_STD_U64LE, H5T_STD_U64BE,
        H5T_IEEE_F32LE, H5T_IEEE_F32BE, H5T_IEEE_F64LE, H5T_IEEE_F64BE,
    };
    for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++) {
        if (H5Tequal(type, standard[i]) > 0) return 1;
    }
    return 0;
}
