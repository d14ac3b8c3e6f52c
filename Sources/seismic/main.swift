// seismic: the SeismicTorch command-line tool (commands live in SeismicCLI).

import SeismicCLI
import SeismicTorch

Seismic.main(context: JobContext())
