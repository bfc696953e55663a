"""RED and application metrics of the marketplace, exposed at /metrics."""
