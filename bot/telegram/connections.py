"""The HTTP connections to the Bot API: python-telegram-bot's HTTPXRequest, with few idle
connections kept open.

httpcore looks at every idle connection in its pool (a poll of its socket) each time a request
starts or ends. The send queue lets a burst of up to 30 messages go at once, which opens as many
connections, and httpx kept 20 of them idle: in bench/backlog.py those looks were a sixth of the
CPU of sending a message (py-spy, PostgreSQL). Keeping 4 idle makes them a twentieth; a burst
opens new connections instead, which did not show in the profile.
"""

from __future__ import annotations

import httpx
from telegram.request import HTTPXRequest

CONNECTIONS = 256
"""At most this many at once (python-telegram-bot's default)."""
KEPT_IDLE = 4
"""Idle connections kept open between requests."""


def bot_api_request() -> HTTPXRequest:
    """The request object for every Bot API call but getUpdates."""
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=KEPT_IDLE)
    return HTTPXRequest(connection_pool_size=CONNECTIONS, httpx_kwargs={"limits": limits})
