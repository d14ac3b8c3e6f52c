// seismic: the SeismicTorch command-line tool (commands live in SeismicCLI).

import SeismicCLI

Seismic.main()
