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
