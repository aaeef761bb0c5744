"""Principals are read from a TOML file of token digests, strictly, and found by token."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from service.adapters.principals import (
    Principal,
    PrincipalsError,
    add_principal,
    create_development_principals,
    load_principals,
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _entry(name: str = "Somerset case system", role: str = "authority", **extra: str) -> str:
    lines = ["[[principal]]", f'name = "{name}"', f'role = "{role}"']
    lines += [f'{key} = "{value}"' for key, value in extra.items()]
    if "token_sha256" not in extra:
        lines.append(f'token_sha256 = "{_digest(name)}"')
    return "\n".join(lines) + "\n"


class TestAddAndAuthenticate:
    def test_an_added_principal_is_found_by_its_token(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        token = add_principal(path, name="Somerset case system", role="authority", authority="933")
        directory = load_principals(path)
        assert directory.authenticate(token) == Principal(
            "Somerset case system", "authority", "933"
        )
        assert token not in path.read_text(encoding="utf-8")

    def test_several_principals_each_get_their_own_token(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        bristol = add_principal(path, name="Bristol case system", role="authority", authority="801")
        auditor = add_principal(path, name="Auditor", role="auditor", authority=None)
        directory = load_principals(path)
        assert directory.authenticate(bristol) == Principal(
            "Bristol case system", "authority", "801"
        )
        assert directory.authenticate(auditor) == Principal("Auditor", "auditor", None)
        assert len(directory.principals) == 2

    def test_a_wrong_token_finds_no_one(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        token = add_principal(path, name="Somerset MASH", role="mash", authority="933")
        directory = load_principals(path)
        assert directory.authenticate(token + "x") is None
        assert directory.authenticate("") is None

    def test_the_file_and_its_folders_are_created(self, tmp_path: Path) -> None:
        path = tmp_path / "var" / "config" / "principals.toml"
        add_principal(path, name="Auditor", role="auditor", authority=None)
        assert path.is_file()

    def test_names_needing_escapes_survive_the_round_trip(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        name = 'Hackney "front door" \\ équipe ✓'
        token = add_principal(path, name=name, role="authority", authority="204")
        found = load_principals(path).authenticate(token)
        assert found is not None and found.name == name

    def test_appends_after_a_file_without_a_final_newline(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "p.toml", _entry(authority="933").rstrip("\n"))
        token = add_principal(path, name="Auditor", role="auditor", authority=None)
        assert load_principals(path).authenticate(token) == Principal("Auditor", "auditor", None)

    @pytest.mark.parametrize(
        ("role", "authority", "message"),
        [
            ("admin", "933", "role 'admin'"),
            ("authority", "999", "authority '999'"),
            ("authority", None, "needs an authority"),
            ("mash", None, "needs an authority"),
            ("auditor", "933", "acts for no authority"),
        ],
    )
    def test_an_invalid_principal_is_refused_and_nothing_written(
        self, tmp_path: Path, role: str, authority: str | None, message: str
    ) -> None:
        path = tmp_path / "principals.toml"
        with pytest.raises(PrincipalsError, match=message):
            add_principal(path, name="New", role=role, authority=authority)
        assert not path.exists()

    def test_a_duplicate_name_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        add_principal(path, name="Leeds case system", role="authority", authority="383")
        before = path.read_text(encoding="utf-8")
        with pytest.raises(PrincipalsError, match="has that name already"):
            add_principal(path, name="Leeds case system", role="authority", authority="383")
        assert path.read_text(encoding="utf-8") == before

    def test_a_broken_file_is_not_appended_to(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "p.toml", "[[principal]\n")
        with pytest.raises(PrincipalsError, match="not a valid TOML file"):
            add_principal(path, name="Auditor", role="auditor", authority=None)
        assert path.read_text(encoding="utf-8") == "[[principal]\n"


class TestLoadRefusesBadFiles:
    def test_a_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(PrincipalsError, match="cannot read principals file"):
            load_principals(tmp_path / "absent.toml")

    def test_a_file_that_is_not_toml(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "p.toml", 'name = "unterminated\n')
        with pytest.raises(PrincipalsError, match="not a valid TOML file") as raised:
            load_principals(path)
        assert str(path) in str(raised.value)

    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            (_entry(role="admin", authority="933"), "role 'admin' is not one of"),
            (_entry(authority="999"), "authority '999' is not a DfE authority code"),
            (_entry(), "role 'authority' needs an authority code"),
            (_entry("Somerset MASH", role="mash"), "role 'mash' needs an authority code"),
            (_entry("Auditor", role="auditor", authority="933"), "acts for no authority"),
            (_entry(authority="933", token_sha256="ABC"), "64 lowercase hexadecimal"),
            (_entry(authority="933", token_sha256="A" * 64), "64 lowercase hexadecimal"),
            (_entry(authority="933", authorty="933"), "unknown keys"),
            ('[[principal]]\nname = "X"\nrole = "auditor"\n', "missing token_sha256"),
            (
                f'[[principal]]\nname = "S"\nrole = "authority"\nauthority = 933\n'
                f'token_sha256 = "{_digest("S")}"\n',
                'quoted DfE code such as "933"',
            ),
        ],
    )
    def test_an_invalid_entry_is_named_with_the_file(
        self, tmp_path: Path, entry: str, message: str
    ) -> None:
        path = _write(tmp_path / "p.toml", _entry("Auditor", role="auditor") + "\n" + entry)
        with pytest.raises(PrincipalsError, match=message) as raised:
            load_principals(path)
        assert str(raised.value).startswith(f"{path}: principal #2")
        assert "\n" not in str(raised.value)

    def test_duplicate_names(self, tmp_path: Path) -> None:
        first = _entry(authority="933", token_sha256=_digest("one"))
        second = _entry(authority="933", token_sha256=_digest("two"))
        path = _write(tmp_path / "p.toml", first + "\n" + second)
        with pytest.raises(PrincipalsError, match="already has this name"):
            load_principals(path)

    def test_two_principals_sharing_one_token(self, tmp_path: Path) -> None:
        shared = _digest("shared")
        path = _write(
            tmp_path / "p.toml",
            _entry(authority="933", token_sha256=shared)
            + _entry("Bristol case system", authority="801", token_sha256=shared),
        )
        with pytest.raises(PrincipalsError, match="already has this token"):
            load_principals(path)

    def test_an_unexpected_top_level_key(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "p.toml", '[[principals]]\nname = "X"\n')
        with pytest.raises(PrincipalsError, match="unexpected top-level keys"):
            load_principals(path)


class TestDevelopmentPrincipals:
    def test_creates_the_five_development_principals(self, tmp_path: Path) -> None:
        path = tmp_path / "var" / "principals.toml"
        tokens = create_development_principals(path)
        directory = load_principals(path)
        assert {name: directory.authenticate(token) for name, token in tokens.items()} == {
            "Somerset case system": Principal("Somerset case system", "authority", "933"),
            "Bristol case system": Principal("Bristol case system", "authority", "801"),
            "Leeds case system": Principal("Leeds case system", "authority", "383"),
            "Somerset MASH": Principal("Somerset MASH", "mash", "933"),
            "Auditor": Principal("Auditor", "auditor", None),
        }

    def test_the_file_says_it_is_for_development_only(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        create_development_principals(path)
        assert path.read_text(encoding="utf-8").startswith("# Development principals only")

    def test_an_existing_file_is_never_overwritten(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        first = create_development_principals(path)
        before = path.read_text(encoding="utf-8")
        assert create_development_principals(path) == {}
        assert path.read_text(encoding="utf-8") == before
        assert load_principals(path).authenticate(first["Auditor"]) is not None
