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


def test_the_fast_parser_reads_what_the_pure_one_reads_and_a_bad_file_is_said_in_its_words(tmp_path):
    """``read_yaml`` parses with libyaml where PyYAML has it: the same document as PyYAML's
    own parser, and a file that does not parse is reported with the line and column and
    the problem PyYAML's parser gives."""
    import yaml

    from jsna.catalogue.load import DEFAULT_CATALOGUE
    from jsna.yaml_file import read_yaml

    document, raw = read_yaml(DEFAULT_CATALOGUE, CatalogueError, "the catalogue")
    assert raw == DEFAULT_CATALOGUE.read_bytes()
    assert document == yaml.load(raw, Loader=yaml.SafeLoader)  # noqa: S506 - the pure-Python safe loader
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  - {id: 1, label: [x}\n")
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.load(bad.read_bytes(), Loader=yaml.SafeLoader)  # noqa: S506 - as above
    mark = pure.value.problem_mark
    expected = f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {pure.value.problem}"
    with pytest.raises(CatalogueError) as said:
        read_yaml(bad, CatalogueError, "the catalogue")
    assert expected in str(said.value)
