"""Partner principals: an agency that takes part in decisions, named in the principals file."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.adapters.principals import Principal, PrincipalsError, add_principal, load_principals

POLICE = {
    "agency": "police-avon-somerset",
    "agency_name": "Avon and Somerset Police",
    "agency_kind": "police",
}


class TestPartnerPrincipals:
    def test_a_partner_is_added_and_acts_for_its_agency(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        token = add_principal(
            path, name="Police safeguarding", role="partner", authority=None, agency=POLICE
        )
        found = load_principals(path).authenticate(token)
        assert found == Principal("Police safeguarding", "partner", None, **POLICE)
        assert found is not None and found.acts_for == "police-avon-somerset"
        assert 'agency_kind = "police"' in path.read_text(encoding="utf-8")

    @pytest.mark.parametrize(
        ("agency", "words"),
        [
            ({}, "needs agency"),
            ({**POLICE, "agency": "Police Avon"}, "needs agency"),
            ({**POLICE, "agency": "933"}, "DfE code"),
            ({**POLICE, "agency_kind": "astrologer"}, "agency_kind must be one of"),
            ({**POLICE, "agency_name": ""}, "agency_name"),
        ],
    )
    def test_a_partner_must_name_its_agency(
        self, tmp_path: Path, agency: dict[str, str], words: str
    ) -> None:
        path = tmp_path / "principals.toml"
        with pytest.raises(PrincipalsError, match=words):
            add_principal(path, name="P", role="partner", authority=None, agency=agency)
        assert not path.exists()

    def test_a_partner_acts_for_no_authority(self, tmp_path: Path) -> None:
        with pytest.raises(PrincipalsError, match="acts for no authority"):
            add_principal(
                tmp_path / "p.toml", name="P", role="partner", authority="933", agency=POLICE
            )

    def test_other_roles_carry_no_agency(self, tmp_path: Path) -> None:
        with pytest.raises(PrincipalsError, match="no agency keys"):
            add_principal(
                tmp_path / "p.toml", name="A", role="auditor", authority=None, agency=POLICE
            )


class TestPrincipalsAddCommand:
    def test_adds_a_partner_with_its_agency(self, tmp_path: Path) -> None:
        from tests.e2e.cli.test_cli import case_transfer

        path = tmp_path / "principals.toml"
        result = case_transfer(
            "principals", "add", "--name", "Police safeguarding", "--role", "partner",
            "--agency", "police-avon-somerset", "--agency-name", "Avon and Somerset Police",
            "--agency-kind", "police", "--file", str(path), cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        token = result.stdout.splitlines()[-1]
        found = load_principals(path).authenticate(token)
        assert found == Principal("Police safeguarding", "partner", None, **POLICE)
