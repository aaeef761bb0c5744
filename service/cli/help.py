"""What ``case-transfer COMMAND --help`` says beyond the options: the settings it reads.

Every command but the key generators and ``openapi`` reads the one ``Settings``; an
operator asking ``serve --help`` should learn from it which ``CASE_TRANSFER_*``
variables matter, their defaults and what they mean, without opening the README.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from ..settings import Settings

# Sub-commands that read no setting: their help lists none.
READS_NO_SETTINGS = frozenset({"keygen", "signing-keygen", "openapi"})


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Options with their defaults (where there is one); the settings epilog as written."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        default = action.default
        if default in (None, False, argparse.SUPPRESS) or "%(default)" in help_text:
            return help_text
        return f"{help_text} (default: %(default)s)".strip()


def settings_epilog() -> str:
    """One line per ``CASE_TRANSFER_*`` variable: its default and its description."""
    lines = ["environment (CASE_TRANSFER_* variables, read by the one Settings):"]
    for name, field in Settings.model_fields.items():
        default = "unset" if field.default is None else str(field.default)
        if name in {"encryption_key", "signing_key"}:
            default = "unset"  # never show a secret, even a default one
        lines.append(f"  CASE_TRANSFER_{name.upper()} (default {default})")
        if field.description:
            lines.extend(
                textwrap.wrap(
                    field.description, 88, initial_indent=" " * 6, subsequent_indent=" " * 6
                )
            )
    return "\n".join(lines)


def describe(commands: Any) -> None:
    """Give every sub-command defaults in its help, and the settings epilog where it reads them."""
    epilog = settings_epilog()
    for name, parser in commands.choices.items():
        _describe(parser, epilog if name not in READS_NO_SETTINGS else None)


def _describe(parser: argparse.ArgumentParser, epilog: str | None) -> None:
    parser.formatter_class = HelpFormatter
    if epilog is not None:
        parser.epilog = epilog
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _describe(child, epilog)
