"""staff."""

from backend.messages.entry import Message  # noqa: F401

MESSAGES: dict = {}
