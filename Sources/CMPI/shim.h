// Open MPI (Debian: libopenmpi-dev). Its handles are macros Swift cannot import: functions stand in.
#include <mpi.h>

static inline MPI_Comm seismic_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype seismic_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype seismic_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op seismic_mpi_sum(void) { return MPI_SUM; }
static inline void *seismic_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler seismic_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
