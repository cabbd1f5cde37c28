"""Plugs the two chat sockets into the app, straight to their endpoints (see LivedeskApp)."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.realtime.agent import agent_endpoint
from livedesk.realtime.visitor import visitor_endpoint


def install(app: FastAPI) -> None:
    app.chat_sockets.update({"/ws/visitor": visitor_endpoint, "/ws/agent": agent_endpoint})  # type: ignore[attr-defined]
