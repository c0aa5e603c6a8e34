"""Load and cross-check the catalog folder; every problem is reported as `FILE:LINE: ...`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from navigator.catalog.model import Category, Office, Service
from navigator.errors import CatalogError
from navigator.tomlfile import line_of, read_toml, validation_lines


class _OfficesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offices: dict[str, Office]


class _CategoriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: list[Category]


@dataclass(frozen=True)
class Catalog:
    """The validated catalog. Services keep file order (sorted by id)."""

    root: Path
    services: dict[str, Service]
    offices: dict[str, Office]
    categories: list[Category]
    warnings: list[str] = field(default_factory=list)

    def service(self, service_id: str) -> Service:
        return self.services[service_id]

    def office_of(self, service: Service) -> Office | None:
        return self.offices[service.in_person.office] if service.in_person else None



def load_catalog(root: Path | str) -> Catalog:
    """Read `root` (categories.toml, offices.toml, services/*.toml); raise CatalogError listing every problem."""
    root = Path(root)
    problems: list[str] = []
    if not root.is_dir():
        raise CatalogError([f"{root}: catalog folder not found (check [paths] catalog in kiosk_config.toml)"])

    offices = _load_part(root / "offices.toml", _OfficesFile, problems)
    categories = _load_part(root / "categories.toml", _CategoriesFile, problems)
    office_ids = set(offices.offices) if offices else set()
    category_ids = {c.id for c in categories.categories} if categories else set()

    services: dict[str, Service] = {}
    files = sorted((root / "services").glob("*.toml"))
    if not files:
        problems.append(f"{root / 'services'}: no service files (*.toml) found")
    for path in files:
        service = _load_service(path, problems)
        if service is None:
            continue
        text = path.read_text(encoding="utf-8")
        where = lambda *key: f"{path}:{line_of(text, key) or 1}"  # noqa: E731
        if service.id != path.stem:
            problems.append(f"{where('id')}: id = {service.id!r} must equal the file name {path.stem!r}")
        if service.id in services:
            problems.append(f"{where('id')}: duplicate id {service.id!r}")
            continue
        if categories and service.category not in category_ids:
            problems.append(f"{where('category')}: category = {service.category!r} is not in categories.toml "
                            f"(allowed: {', '.join(sorted(category_ids))})")
        if offices and service.in_person and service.in_person.office not in office_ids:
            problems.append(f"{where('in_person', 'office')}: office = {service.in_person.office!r} "
                            "is not in offices.toml")
        services[service.id] = service

    if problems:
        raise CatalogError(problems)
    return Catalog(root=root, services=services, offices=offices.offices,
                   categories=categories.categories, warnings=_shared_keywords(services))


def _load_part(path: Path, model: type[BaseModel], problems: list[str]):
    try:
        data, text = read_toml(path, CatalogError)
        return model.model_validate(data)
    except CatalogError as exc:
        problems.append(str(exc))
    except ValidationError as exc:
        problems.extend(validation_lines(exc, path, text, "see assets/catalog/README.md"))
    return None


def _load_service(path: Path, problems: list[str]) -> Service | None:
    try:
        data, text = read_toml(path, CatalogError)
        return Service.model_validate(data)
    except CatalogError as exc:
        problems.append(str(exc))
    except ValidationError as exc:
        problems.extend(validation_lines(exc, path, text, "see assets/catalog/README.md",
                                         top_level=frozenset(Service.model_fields)))
    return None


def _shared_keywords(services: dict[str, Service]) -> list[str]:
    """Keywords listed by more than one service: allowed, but they weaken routing."""
    owners: dict[str, list[str]] = {}
    for service in services.values():
        for word in {*service.keywords.ja, *(w.lower() for w in service.keywords.en)}:
            owners.setdefault(word, []).append(service.id)
    return [f"keyword {word!r} is listed by {', '.join(ids)}" for word, ids in sorted(owners.items()) if len(ids) > 1]
