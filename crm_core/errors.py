"""The exception tree of the CRM core, mapped once to a friendly reply by the dialogue.

    CrmError
     ├── NotFound          a record the caller named does not exist
     ├── PermissionDenied  the actor's role may not do this
     ├── InvalidInput      a value that cannot be stored (bad e-mail, phone, date in the past)
     └── NothingToUndo     the actor has no change left to revert
"""

from __future__ import annotations


class CrmError(Exception):
    """Base of every error the core raises on purpose; its message is safe to show the user."""


class NotFound(CrmError):
    pass


class PermissionDenied(CrmError):
    pass


class InvalidInput(CrmError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NothingToUndo(CrmError):
    pass
