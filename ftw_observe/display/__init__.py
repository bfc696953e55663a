"""How figures read for people: numbers, durations, times and SVG charts.

Pure functions shared by the status page (`ftw_observe.api`) and the SRE report
(`ftw_observe.report`), so both show a figure the same way.
"""
