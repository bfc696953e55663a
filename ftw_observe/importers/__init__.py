"""Import SLO specs from Sloth (`prometheus/v1`) and OpenSLO v1 into FTW Observe's format.

The API lives in `ftw_observe.importers.convert` (kept out of this module so that the command
line, which imports `ftw_observe.importers.command`, starts without loading it):

>>> from ftw_observe.importers.convert import import_text, render_spec
>>> specs, warnings = import_text(open("sloth.yaml").read(), "sloth.yaml")  # doctest: +SKIP
>>> print(render_spec(specs[0][1], "sloth.yaml"))  # doctest: +SKIP
"""

from __future__ import annotations

# Defaults of `ftw-observe import`: the team of services whose spec names none, and the period
# of Sloth SLOs (Sloth has one period for all; its default is 30 days).
DEFAULT_TEAM = "unknown"
DEFAULT_PERIOD = "30d"
