"""Who is asking: the same logins as the web chat (`web.auth`, 'user:password').

A request proves a login with HTTP Basic, or with `Authorization: Bearer user:password`
for clients that only send a bearer key (the `openai` SDK's api_key). Passwords are
compared in constant time and never logged. Without logins every request is the one local
user, as in the web chat.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import Request
from pydantic import SecretStr

from assistant.conversations import LOCAL_USER

REALM = 'Basic realm="digest-assistant", charset="UTF-8"'


class NotAuthenticated(Exception):
    """No valid login with a request to a server that requires one (HTTP 401)."""


class Logins:
    """The server's logins; `user_for(credentials)` says whose they are."""

    def __init__(self, entries: list[SecretStr]) -> None:
        self._logins: list[tuple[str, bytes]] = []
        for entry in entries:
            user, _, password = entry.get_secret_value().partition(":")
            self._logins.append((user, password.encode("utf-8")))

    @property
    def required(self) -> bool:
        return bool(self._logins)

    def user_for(self, login: str) -> str | None:
        """The user whose 'user:password' this is, else None (every login is compared)."""
        user, sep, password = login.partition(":")
        found = None
        for name, secret in self._logins:
            same = hmac.compare_digest(secret, password.encode("utf-8"))
            if sep and same and hmac.compare_digest(name.encode(), user.encode()):
                found = name
        return found

    def authenticate(self, request: Request) -> str:
        """The user a request acts for; NotAuthenticated when a login is needed."""
        if not self.required:
            return LOCAL_USER
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        login = ""
        if scheme.lower() == "basic":
            try:
                login = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                login = ""
        elif scheme.lower() == "bearer":
            login = value.strip()
        user = self.user_for(login) if login else None
        if user is None:
            raise NotAuthenticated
        return user
