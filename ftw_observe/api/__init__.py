"""The engine's HTTP API and server-rendered status page (`create_app` in `app`)."""
