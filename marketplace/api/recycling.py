"""Keep-alive connections recycled now and then, so that every worker takes its share.

Each worker listens on its own socket and the kernel deals each new connection to one of
them. A client that opens a few keep-alive connections and keeps them busy would otherwise
tie its traffic to the workers those few landed on. Every `every`-th response of a worker
carries `Connection: close`: the client opens a new connection for its next request, which
the kernel deals again. The busiest connections are the likeliest to be recycled, so the
shares drift back to even. HTTP/1.1 clients reconnect on their own; nothing is lost.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RecycleConnections:
    """ASGI middleware: ask the client of every `every`-th response to reconnect (0: never).

    Usage::

        app.add_middleware(RecycleConnections, every=100)
    """

    def __init__(self, app: ASGIApp, every: int) -> None:
        self.app = app
        self.every = every
        self.responses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.every <= 0:
            await self.app(scope, receive, send)
            return
        self.responses += 1
        if self.responses % self.every:
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_closing)
