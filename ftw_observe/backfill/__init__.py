"""Record the long windows' history: the recorded series Prometheus holds only from rule load on."""
