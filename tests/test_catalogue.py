"""The indicator catalogue: the shipped one is valid; malformed ones fail naming the entry."""

from __future__ import annotations

import textwrap

import pytest

from jsna.catalogue import CatalogueError, load_catalogue

HEADER = textwrap.dedent(
    """\
    version: "1"
    domains:
      - key: wellbeing
        name: Wellbeing, loneliness and community
    indicators:
    """
)


def write(tmp_path, body: str):
    path = tmp_path / "catalogue.yaml"
    path.write_text(HEADER + textwrap.dedent(body))
    return path


def test_shipped_catalogue_is_valid_and_covers_every_domain():
    catalogue = load_catalogue()
    assert len(catalogue.indicators) >= 45
    assert len(set(catalogue.ids)) == len(catalogue.ids)
    assert {i.domain_key for i in catalogue.indicators} == set(catalogue.domains)
    assert len(catalogue.domains) == 7
    assert all(i.why and i.label for i in catalogue.indicators)
    documented = {848, 41001, 90813, 92949, 93735, 22301, 94175, 90581}
    assert documented <= set(catalogue.ids)


def test_unknown_key_names_the_entry(tmp_path):
    path = write(tmp_path, "  - {id: 848, label: Depression, domain: wellbeing, why: x, colour: red}\n")
    with pytest.raises(CatalogueError, match=r"indicator #1 \(id 848\): unknown key\(s\) colour"):
        load_catalogue(path)


def test_duplicate_id_names_both_entries(tmp_path):
    path = write(
        tmp_path,
        "  - {id: 848, label: A, domain: wellbeing, why: x}\n  - {id: 848, label: B, domain: wellbeing, why: y}\n",
    )
    with pytest.raises(CatalogueError, match=r"indicator #2 \(id 848\): duplicate id 848 \(first at indicator #1\)"):
        load_catalogue(path)


def test_missing_domain_names_the_entry(tmp_path):
    path = write(tmp_path, "  - {id: 41001, label: Suicide, why: x}\n")
    with pytest.raises(CatalogueError, match=r"indicator #1 \(id 41001\): missing domain"):
        load_catalogue(path)


def test_unknown_domain_is_refused(tmp_path):
    path = write(tmp_path, "  - {id: 41001, label: Suicide, domain: crime, why: x}\n")
    with pytest.raises(CatalogueError, match="unknown domain 'crime'"):
        load_catalogue(path)


def test_invalid_yaml_is_a_catalogue_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("indicators: [\n")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(path)
