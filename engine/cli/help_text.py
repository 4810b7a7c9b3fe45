"""The one-line summaries `ballotchain --help` lists: each command's whole first sentence.

Click's default summary stops at the first word that ends in a period and cuts at the terminal's width
with "...", so "Check the shares sent to this guardian (eq. 21-22)." was listed as "... (eq.". Here the
first sentence ends at a period outside parentheses that is not part of an abbreviation, and the
summary is never cut: the help formatter wraps it.
"""

from __future__ import annotations

import inspect

import click

ABBREVIATIONS = ("eq.", "e.g.", "i.e.", "cf.", "vs.", "no.")


def first_sentence(text: str) -> str:
    """The first sentence of a docstring's first paragraph, whole and on one line."""
    paragraph = inspect.cleandoc(text).split("\n\n", 1)[0]
    words = paragraph.replace("\b", "").split()
    depth = 0
    for end, word in enumerate(words, start=1):
        depth += word.count("(") + word.count("[") - word.count(")") - word.count("]")
        if depth <= 0 and word.endswith(".") and word.lower().lstrip("([") not in ABBREVIATIONS:
            return " ".join(words[:end])
    return " ".join(words)


def give_summaries(command: click.Command) -> None:
    """Set every command's short help (where none is given) to the first sentence of its help."""
    if command.short_help is None and command.help:
        command.short_help = first_sentence(command.help)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            give_summaries(sub)
