"""Label matchers and silences: which alerts a route, an inhibition or a silence selects.

Pure values and functions, shared by the store (which keeps silences), the router (which
applies them) and the API (which validates what people type).
"""
