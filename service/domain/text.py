"""What a client may write into the record: lengths, Unicode forms, and characters refused.

Every string field has a documented maximum length (DESIGN.md); the API's schemas
use the same constants so the contract and the rules cannot drift apart.

Two kinds of string, two policies:

- **Identifiers** (local case references, the categories and references of information
  shared) are matched, not read: the same reference typed on two keyboards must find
  the same case. They are normalised to Unicode **NFKC**, which also folds compatibility
  variants (fullwidth letters and digits are the ASCII ones, the ligature U+FB01 is
  "fi", a no-break space is a space); NFC alone would keep those apart. NFKC loses
  nothing a reference needs: it changes how a character is drawn, not which letter or
  digit it is. Characters that
  cannot be seen or that change how text around them is shown (Unicode categories Cc
  and Cf, such as zero-width spaces, the byte-order mark and right-to-left overrides;
  the other default-ignorable code points; line and paragraph separators; private-use,
  unassigned and surrogate code points) are refused: two references that look the same
  must be the same.
- **Free text** (summaries, reasons, notes) is read by people. It is normalised to
  **NFC** (composed accents; nothing else changes) and may hold tabs and line breaks,
  but not other control characters, and not format characters: bidirectional controls
  can make a record read differently from what it holds ("Trojan Source"), tag
  characters can carry text nobody sees. The zero-width joiner and non-joiner stay
  allowed in free text: Persian, Indic scripts and emoji sequences need them to be
  written correctly, and they cannot reorder or hide text.

Both are stripped of surrounding whitespace. Refusals name the character's code point
and position, never the text around it (which may be personal data).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Final

from .errors import InvalidInput

REFERENCE_MAX = 64
TEXT_MAX = 10_000
LIST_MAX = 50

_IDENTIFIER_FORM: Final = "NFKC"
_TEXT_FORM: Final = "NFC"

_TEXT_CONTROLS_ALLOWED = frozenset("\t\n\r")
_TEXT_FORMATS_ALLOWED = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner
_REFUSED_IN_TEXT = frozenset({"Cf", "Cs", "Zl", "Zp"})
_REFUSED_IN_IDENTIFIERS = _REFUSED_IN_TEXT | {"Co", "Cn"}

# Default-ignorable code points outside category Cf (Unicode's DerivedCoreProperties):
# drawn as nothing, so as invisible in an identifier as a zero-width space.
_INVISIBLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xE0100, 0xE01EF),  # variation selectors supplement
)


def _invisible(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _INVISIBLE_RANGES)


def check_identifier(value: str, field: str, *, max_length: int = REFERENCE_MAX) -> str:
    """``value`` in NFKC, stripped; refused when blank, too long, or holding a control,
    format or invisible character."""
    normal = unicodedata.normalize(_IDENTIFIER_FORM, value).strip()
    _check_length(normal, field, max_length)
    for position, char in enumerate(normal, start=1):
        category = unicodedata.category(char)
        if category == "Cc":
            _refuse_control(field, position, char)
        if category in _REFUSED_IN_IDENTIFIERS or _invisible(char):
            _refuse_format(field, position, char, "an identifier")
    return normal


def check_text(value: str, field: str, *, max_length: int = TEXT_MAX) -> str:
    """``value`` in NFC, stripped; refused when blank, too long, or holding a control
    character other than tab and line breaks, or a format character."""
    normal = unicodedata.normalize(_TEXT_FORM, value).strip()
    _check_length(normal, field, max_length)
    for position, char in enumerate(normal, start=1):
        category = unicodedata.category(char)
        if category == "Cc" and char not in _TEXT_CONTROLS_ALLOWED:
            _refuse_control(field, position, char)
        if category in _REFUSED_IN_TEXT and char not in _TEXT_FORMATS_ALLOWED:
            _refuse_format(field, position, char, "text")
    return normal


def check_references(values: Sequence[str], field: str) -> list[str]:
    """Check a list of short identifiers (such as document ids); at most LIST_MAX of them."""
    if len(values) > LIST_MAX:
        raise InvalidInput(f"{field} has more than {LIST_MAX} entries.", code="too-many-items")
    return [check_identifier(v, field) for v in values]


def matching_form(identifier: str) -> str:
    """The form identifiers are matched by: NFKC, stripped, without invisible characters.

    For every identifier ``check_identifier`` accepts this is the identifier itself.
    Identifiers recorded before those checks existed may hold what is refused now (a
    zero-width space, a byte-order mark); matched in this form they are found by what
    they look like.
    """
    if identifier.isascii() and identifier.isprintable():
        # NFKC leaves printable ASCII as it is, and none of it is a control, format or
        # invisible character: the common case, and a replay's hot path, skips the walk.
        return identifier.strip()
    normal = unicodedata.normalize(_IDENTIFIER_FORM, identifier)
    kept = (
        char
        for char in normal
        if unicodedata.category(char) not in ("Cc", "Cf") and not _invisible(char)
    )
    return "".join(kept).strip()


def _check_length(normal: str, field: str, max_length: int) -> None:
    if not normal:
        raise InvalidInput(f"{field} must not be blank.", code="text-required")
    if len(normal) > max_length:
        raise InvalidInput(
            f"{field} is {len(normal)} characters; the most allowed is {max_length}.",
            code="text-too-long",
        )


def _describe(position: int, char: str) -> str:
    name = unicodedata.name(char, "")
    return f"character {position} is U+{ord(char):04X}" + (f" {name}" if name else "")


def _refuse_control(field: str, position: int, char: str) -> None:
    raise InvalidInput(
        f"{field} contains a control character ({_describe(position, char)}).",
        code="control-characters",
    )


def _refuse_format(field: str, position: int, char: str, kind: str) -> None:
    raise InvalidInput(
        f"{field} contains an invisible or formatting character, not allowed in {kind} "
        f"({_describe(position, char)}).",
        code="format-characters",
    )
