"""What every command shares: the console, passphrases, and the one-line error convention."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from engine.errors import BallotchainError

F = TypeVar("F", bound=Callable[..., Any])

# Output read by programs (a pipe, a file) is never wrapped: a hash or a path stays on one line.
UNWRAPPED_WIDTH = 100_000


def make_console(*, stderr: bool = False) -> Console:
    """A rich console that wraps for people at a terminal's width, and never when the stream is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    if _is_terminal(stream):
        return Console(stderr=stderr, highlight=False)
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=UNWRAPPED_WIDTH)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


console = make_console()
err_console = make_console(stderr=True)

PASSPHRASE_ENV = "BALLOTCHAIN_PASSPHRASE"

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class CommandFailed(click.ClickException):
    """A bad input or refused step: one line on stderr, exit code 2 (or as given)."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        click.echo(f"ballotchain: {self.format_message()}", err=True)


def one_line_errors(func: F) -> F:
    """Turn the engine's errors and OS errors into CommandFailed (no traceback, exit 2)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BallotchainError as exc:
            raise CommandFailed(_one_line(str(exc))) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise CommandFailed(f"{where}{exc.strerror or exc}") from None

    return wrapper  # type: ignore[return-value]


def _one_line(message: str) -> str:
    return " ".join(message.split())


def passphrase_option(func: F) -> F:
    """--passphrase-env VAR (default BALLOTCHAIN_PASSPHRASE) and --ask-passphrase."""
    func = click.option(
        "--ask-passphrase", is_flag=True, help="Prompt for the passphrase that protects the secret file."
    )(func)
    func = click.option(
        "--passphrase-env",
        default=PASSPHRASE_ENV,
        show_default=True,
        metavar="VAR",
        help="Environment variable holding the secret file's passphrase (unset: no passphrase).",
    )(func)
    return func


def group_option(func: F) -> F:
    """--group production|test: the parameters of spec 3.1.1, or the small insecure test group."""
    return click.option(
        "--group",
        "group_name",
        type=click.Choice(["production", "test"]),
        default="production",
        show_default=True,
        help="Group parameters: the spec's production group, or the small test group (tests, demos).",
    )(func)


def resolve_passphrase(env_var: str, ask: bool, *, confirm: bool = False) -> str | None:
    """The passphrase, prompted for or taken out of the environment: the variable is removed from
    this process's environment as it is read, so that no worker or child process inherits it."""
    from_environment = os.environ.pop(env_var, None)
    if ask:
        if not _is_terminal(sys.stdin):
            raise CommandFailed(
                f"--ask-passphrase: there is no terminal to ask on; give the passphrase in --passphrase-env {env_var}"
            )
        value: str = click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
        return value
    if from_environment == "":
        warn(f"the variable {env_var} (--passphrase-env) is set but empty: taken as no passphrase")
    return from_environment or None


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """A count with its noun in the right number: "1 guardian", "2 guardians"."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def warn(message: str) -> None:
    """One warning line on stderr: the step goes on."""
    click.echo(f"ballotchain: warning: {message}", err=True)


def fresh_directory(path: Path, what: str) -> Path:
    """A directory that does not exist yet or is empty: never run over earlier output."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise CommandFailed(f"{path}: {what} already exists and is not empty; choose a new folder")
    path.mkdir(parents=True, exist_ok=True)
    return path
