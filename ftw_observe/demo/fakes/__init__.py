"""Fake PagerDuty and Slack receivers on 127.0.0.1, for the demo and the tests.

They speak the real HTTP APIs (PagerDuty Events API v2, Slack Web API), check requests against
the services' rules, and show what they received at `GET /_fake/received`.
"""
