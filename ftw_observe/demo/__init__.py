"""The demo stack's helpers: local fake receivers and the incident drill."""
