"""Open-loop traffic for the marketplace: homeowners, contractors and browsers, within limits."""
