"""Errors meant for people: one line that says what is wrong and where, never a traceback."""


class UserError(Exception):
    """A problem the user can fix (bad file, bad value, missing model). `str()` is the message."""

    exit_code = 2


class ConfigError(UserError):
    """kiosk_config.toml is unreadable or has a bad value."""


class CatalogError(UserError):
    """The service catalog has one or more problems; `problems` lists them, one line each."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
