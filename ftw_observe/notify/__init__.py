"""Alert notifications: routing, silencing, inhibition, Slack and PagerDuty, delivery."""
