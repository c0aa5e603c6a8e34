"""The service catalog: complete, sourced, and validated with errors that point at the line."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, SHARED_EVAL, run_cli
from navigator.catalog import load_catalog
from navigator.errors import CatalogError

CATALOG = ROOT / "assets" / "catalog"


def required_ids() -> list[str]:
    return list(tomllib.loads((SHARED_EVAL / "services.toml").read_text(encoding="utf-8")))


def test_every_required_service_is_in_the_catalog(catalog):
    missing = [sid for sid in required_ids() if sid not in catalog.services]
    assert not missing


def test_every_service_is_bilingual_sourced_and_reachable(catalog):
    for service in catalog.services.values():
        assert service.name.ja and service.name.en and service.guidance.ja and service.guidance.en
        assert service.sources and all(source.checked for source in service.sources)
        assert service.online or service.in_person, f"{service.id}: neither online nor in person"
        assert len(service.keywords.ja) >= 5 and len(service.keywords.en) >= 3, service.id
        for url in service.urls:
            assert re.match(r"^https://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$", url), url


def test_catalog_check_command_passes_on_the_shipped_catalog():
    result = run_cli("catalog", "check", "--require", str(SHARED_EVAL / "services.toml"))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


@pytest.fixture
def broken(tmp_path) -> Path:
    """A copy of the shipped catalog to damage."""
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_number(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_malformed_url_is_reported_with_file_and_line(broken):
    path = broken / "services" / "residence-certificate.toml"
    edit(path, 'url = "https://www.city.machida.tokyo.jp/"', 'url = "htp:/city machida"')
    with pytest.raises(CatalogError) as error:
        load_catalog(broken)
    assert f"{path}:{line_number(path, 'htp:/')}: online.0.url" in str(error.value)
    assert "not a valid https:// address" in str(error.value)


def test_missing_language_is_reported(broken):
    path = broken / "services" / "residence-certificate.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'(?m)^guidance\.en = .*\n', "", text), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"residence-certificate\.toml:\d+: guidance\.en: required key is missing"):
        load_catalog(broken)


def test_duplicate_id_is_reported(broken):
    shutil.copy(broken / "services" / "move-in.toml", broken / "services" / "move-in-copy.toml")
    with pytest.raises(CatalogError, match=r"move-in-copy\.toml:\d+: id = 'move-in' must equal the file name"):
        load_catalog(broken)


def test_unknown_office_and_category_are_reported(broken):
    path = broken / "services" / "residence-certificate.toml"
    edit(path, 'office = "shimin-ka"', 'office = "no-such-office"')
    edit(path, 'category = "certificates"', 'category = "nowhere"')
    with pytest.raises(CatalogError) as error:
        load_catalog(broken)
    message = str(error.value)
    assert "office = 'no-such-office' is not in offices.toml" in message
    assert "category = 'nowhere' is not in categories.toml" in message


def test_unsourced_fact_in_guidance_is_refused(broken):
    path = broken / "services" / "residence-certificate.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'(?m)^(guidance\.ja = ")', r"\g<1>手数料は300円です。", text), encoding="utf-8")
    with pytest.raises(CatalogError, match="guidance must not contain a fee"):
        load_catalog(broken)


def test_key_below_a_table_header_gets_a_helpful_message(broken):
    path = broken / "services" / "residence-certificate.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\nbring = { ja = ["x"], en = ["x"] }\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"`bring` is written below the \[\[sources\]\] header"):
        load_catalog(broken)


def test_catalog_check_command_lists_every_problem_without_traceback(broken):
    edit(broken / "services" / "move-in.toml", "[[sources]]", "[[sauces]]")
    (broken / "services" / "library.toml").write_text("id = 'library'\nname = {", encoding="utf-8")
    result = run_cli("catalog", "check", str(broken))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "move-in.toml" in result.stderr and "sauces" in result.stderr
    assert re.search(r"library\.toml:2: not valid TOML", result.stderr)
