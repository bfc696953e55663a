"""SLO specs: the YAML format SREs write, its model, and validation with file:line errors."""
