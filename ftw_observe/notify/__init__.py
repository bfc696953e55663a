"""Alert notifications: routing policy, silences, receivers (Slack, PagerDuty), delivery."""
