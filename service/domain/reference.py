"""Reference data: the English authorities and the CIN census code lists.

The facts live in CSV files shipped inside this package (``service/domain/data``) and are
read with ``importlib.resources``, so the service never reads ../shared at run time and
works from a wheel or zip. Each table is read on first use and cached; nothing is loaded
at import. The mappings returned are read-only views, so no caller can change the cached
data for everyone else.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from .errors import InvalidInput

_PACKAGE = "service.domain"


@dataclass(frozen=True)
class Authority:
    """An English children's services authority, identified by its DfE 3-digit code."""

    code: str
    name: str
    gss_code: str
    region_gss_code: str
    region_name: str


def _rows(filename: str) -> Iterator[dict[str, str]]:
    text = resources.files(_PACKAGE).joinpath("data", filename).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text))


@cache
def authorities() -> Mapping[str, Authority]:
    """Every authority keyed by its DfE code ("933"), in the order of the CSV."""
    return MappingProxyType(
        {
            row["dfe_la_code"]: Authority(
                code=row["dfe_la_code"],
                name=row["name"],
                gss_code=row["gss_code"],
                region_gss_code=row["region_gss_code"],
                region_name=row["region_name"],
            )
            for row in _rows("local_authorities_england.csv")
        }
    )


def authority(code: str) -> Authority:
    """The authority with DfE code ``code``; an unknown code is the caller's mistake (422)."""
    try:
        return authorities()[code]
    except KeyError:
        raise InvalidInput(
            f"{code!r} is not the DfE code of an English children's services authority.",
            code="unknown-authority",
        ) from None


@cache
def assessment_factors() -> Mapping[str, str]:
    """CIN census factors (N00181): code -> description naming whose concern it is.

    The census lists some factors three times, for the child, a parent or carer and another
    person in the household, so the description carries that: "1A" -> "Alcohol misuse
    (child)".
    """
    return MappingProxyType(
        {
            row["code"]: f"{row['factor']} ({row['concerns_about']})"
            for row in _rows("cin_assessment_factors.csv")
        }
    )


@cache
def primary_need_codes() -> Mapping[str, str]:
    """CIN census primary need codes (N00101): "N0".."N9" -> meaning."""
    return MappingProxyType(
        {row["code"]: row["meaning"] for row in _rows("cin_primary_need_codes.csv")}
    )


@cache
def closure_reasons() -> Mapping[str, str]:
    """CIN census reasons for closure (N00103): "RC1".."RC9" -> meaning."""
    return MappingProxyType(
        {row["code"]: row["meaning"] for row in _rows("cin_closure_reasons.csv")}
    )


def check_assessment_factors(codes: Sequence[str]) -> tuple[str, ...]:
    """The factor codes de-duplicated in the order given, after checking every one is known.

    Rule 10 says needs are described, so an assessment with no factors at all is refused;
    the census has "21" (no factors identified) for an assessment that found none. Codes
    are matched exactly, as the census writes them ("1A", not "1a"). A code given twice
    is kept once, so the record never holds the duplicate the census refuses (its rule
    8898).
    """
    if not codes:
        raise InvalidInput(
            'An assessment must name at least one factor (use "21" if none were identified).',
            code="assessment-factors-required",
        )
    known = assessment_factors()
    unique = tuple(dict.fromkeys(codes))
    unknown = [code for code in unique if code not in known]
    if unknown:
        raise InvalidInput(
            "Not CIN census assessment factor codes: " + ", ".join(repr(c) for c in unknown) + ".",
            code="unknown-assessment-factor",
        )
    check_no_factors_alone(unique)
    return unique


NO_FACTORS_IDENTIFIED = "21"


def check_no_factors_alone(codes: Sequence[str]) -> None:
    """Factor "21" (no factors identified) is the assessment's only factor, or absent.

    DfE children in need census validation rule 8869, an error: 'The assessment factors
    code "21" cannot be used in conjunction with any other assessment factors.' An
    assessment that names factors and says none were found contradicts itself, and the
    census would refuse the authority's return.
    """
    if NO_FACTORS_IDENTIFIED in codes and len(codes) > 1:
        raise InvalidInput(
            'Factor "21" (no factors identified) cannot be combined with other factors '
            '(CIN census rule 8869): name the factors found, or "21" alone.',
            code="no-factors-combined",
        )


def check_primary_need(code: str) -> str:
    """``code`` itself if it is a CIN census primary need code (N0-N9)."""
    if code not in primary_need_codes():
        raise InvalidInput(
            f"{code!r} is not a CIN census primary need code (N0 to N9).",
            code="unknown-primary-need-code",
        )
    return code


def check_closure_reason(code: str) -> str:
    """``code`` itself if it is a CIN census reason for closure (RC1-RC9)."""
    if code not in closure_reasons():
        raise InvalidInput(
            f"{code!r} is not a CIN census reason for closure (RC1 to RC9).",
            code="unknown-closure-reason",
        )
    return code
