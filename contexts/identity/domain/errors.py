"""Errors of the identity context."""

from __future__ import annotations

from shared_kernel.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"
    title = "Email taken"

    def __init__(self) -> None:
        super().__init__("A user with this email is already registered.")


class RegistrationClosed(Forbidden):
    code = "REGISTRATION_CLOSED"
    title = "Registration closed"

    def __init__(self) -> None:
        super().__init__("Registration is closed on this server; ask an administrator.")


class InvalidCredentials(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("Incorrect email or password.")


class ApiKeyNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such API key.")


class UserNotFound(NotFound):
    def __init__(self, email: str) -> None:
        super().__init__(f"No user with the email {email}.")
