"""The weekly SRE review: compliance, budget consumed, worst hours and alert firings per SLO."""
