"""Livedesk: the software a live-chat service provider runs."""

__version__ = "0.1.0"
