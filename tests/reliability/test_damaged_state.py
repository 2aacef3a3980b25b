"""14. Nothing damaged is trusted: published files, the manifest and the raw store are
checked on every run and repaired from the last good data; internal state lives outside
the output root, nothing there is loaded as code, and no symbolic link is followed."""

from __future__ import annotations

import json
import os
import pickle

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jsna.publication import OutputRoot
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.pipeline_helpers import copy_publication, good_fixture, refresh, snapshot
from tests.reliability.conftest import run_cli

pytestmark = pytest.mark.long  # handed to a worker first (tests/conftest.py)

BOROUGH = ("--borough", "southwark")


def london(root) -> pd.DataFrame:
    return pd.read_parquet(root / "london" / "indicator_values.parquet").drop(columns="retrieved_at")


good = good_fixture(*BOROUGH)


@pytest.fixture
def published(server, good, tmp_path):
    """The module's sample API, without faults, and an output root holding a copy of the
    good publication (a copy costs milliseconds, a refresh from nothing seconds)."""
    return server, copy_publication(good, tmp_path / "out", server)


@pytest.mark.parametrize("damage", ["delete", "overwrite", "truncate"])
def test_a_damaged_published_file_is_repaired_by_a_normal_refresh(damage, published):
    server, root = published
    before = snapshot(root)
    target = root / "areas" / "southwark" / "summary.parquet"
    if damage == "delete":
        target.unlink()
    elif damage == "overwrite":  # same size, other bytes
        target.write_bytes(bytes(b ^ 0xFF for b in target.read_bytes()))
    else:
        target.write_bytes(target.read_bytes()[:100])
    assert refresh(server.base_url, root, *BOROUGH) == 0  # nothing changed upstream, no --full
    after = snapshot(root)
    assert after.pop("manifest.json") and after == {k: v for k, v in before.items() if k != "manifest.json"}
    assert OutputRoot(root).verify() == []


def test_a_truncated_manifest_is_rebuilt_with_a_warning(published, caplog):
    server, root = published
    before = snapshot(root)
    manifest = root / "manifest.json"
    manifest.write_text(manifest.read_text()[:200])
    checked = run_cli("verify", "--output", str(root))
    assert checked.returncode == 1 and str(manifest) in checked.stderr and "damaged" in checked.stderr
    assert refresh(server.base_url, root, *BOROUGH) == 0
    assert any("manifest.json is damaged" in r.getMessage() for r in caplog.records)
    assert OutputRoot(root).verify() == []
    after = snapshot(root)
    assert {k: v for k, v in after.items() if k != "manifest.json"} == {
        k: v for k, v in before.items() if k != "manifest.json"
    }
    assert json.loads(manifest.read_text())["synthetic"] is True


@pytest.mark.parametrize("damage", ["altered values", "truncated", "state"])
def test_a_damaged_raw_store_is_never_published_but_fetched_again(damage, published):
    server, root = published
    good = london(root)
    store = next(
        s
        for s in (OutputRoot(root).state_dir / "raw").iterdir()
        if json.loads((s / "state.json").read_text())["params"]["child_area_type_id"] == 502
    )  # the councils' store
    path = store / "indicators" / "848.parquet"
    if damage == "altered values":  # a valid Parquet file with other numbers
        frame = pq.read_table(path).to_pandas()
        frame["value"] = "999"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:64])
    else:
        (store / "state.json").write_text("{")
    server.state.requests.clear()
    assert refresh(server.base_url, root, *BOROUGH) == 0
    pd.testing.assert_frame_equal(london(root), good)
    fetched = [r for r in server.state.requests if "all_data" in r["path"]]
    asked = {i for r in fetched for i in r["query"].split("&")[0].removeprefix("indicator_ids=").split(",")}
    assert "848" in asked


def test_a_planted_pickle_in_the_output_root_never_runs(published, tmp_path_factory):
    server, root = published
    marker = tmp_path_factory.mktemp("marker") / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for folder in (root / ".dagster" / "storage", OutputRoot(root).state_dir / "dagster-storage"):
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("core_jsna__indicator_values", "raw_fingertips__indicator_data"):
            (folder / name).write_bytes(pickle.dumps(Payload()))
    server.state.revisions = {848: 1}
    assert refresh(server.base_url, root, *BOROUGH) == 0
    assert not marker.exists()
    stored = list((OutputRoot(root).state_dir / "dagster-storage").rglob("*.parquet"))
    assert stored and all(p.read_bytes()[:4] == b"PAR1" for p in stored)


def test_a_symlinked_borough_folder_is_refused(published, tmp_path_factory):
    server, root = published
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    folder = root / "areas" / "southwark"
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    folder.symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(root)
    server.state.revisions = {848: 1}
    code = run_cli("refresh", "--api-url", server.base_url, "--output", str(root), *BOROUGH)
    assert code.returncode == 1 and "symbolic link" in code.stderr
    assert list(elsewhere.iterdir()) == []
    assert snapshot(root) == before


def test_a_symlinked_lock_file_is_never_written(published, tmp_path_factory):
    server, root = published
    victim = tmp_path_factory.mktemp("victim") / "precious.txt"
    victim.write_text("keep me")
    state = OutputRoot(root).state_dir
    for name in ("refresh.lock", "publish.lock"):
        (state / name).unlink(missing_ok=True)
        (state / name).symlink_to(victim)
    server.state.revisions = {848: 1}
    code = run_cli("refresh", "--api-url", server.base_url, "--output", str(root), *BOROUGH)
    assert code.returncode == 1 and "symbolic link" in code.stderr
    assert victim.read_text() == "keep me"


def test_verify_writes_nothing(published):
    """``jsna verify`` only reads (it can check a read-only copy), unless a commit was
    interrupted and must be finished."""
    _, root = published
    state = OutputRoot(root).state_dir
    listing = sorted(str(p) for p in [*root.rglob("*"), *state.rglob("*")])
    stamps = {p: os.stat(p).st_mtime_ns for p in listing}
    assert run_cli("verify", "--output", str(root)).returncode == 0
    assert sorted(str(p) for p in [*root.rglob("*"), *state.rglob("*")]) == listing
    assert {p: os.stat(p).st_mtime_ns for p in listing} == stamps


def test_exact_copies_of_a_row_quarantine_only_the_copy(tmp_path):
    decile = "Most deprived decile (IMD2019)"
    fault = Fault("duplicate_rows", indicator_id=848, category=decile, times=None)
    with running_sample_api(SampleApiState(faults=[fault])) as server:
        assert refresh(server.base_url, tmp_path, *BOROUGH) == 0
    quarantine = pd.read_parquet(tmp_path / "quarantine" / "indicator_values_quarantine.parquet")
    assert len(quarantine) > 0 and (quarantine["reason"] == "exact copy of another served row").all()
    table = pd.read_parquet(tmp_path / "london" / "indicator_values.parquet")
    kept = table[(table["indicator_id"] == 848) & (table["category"] == decile)]
    assert len(kept) == len(quarantine)  # one of each pair published, the copy quarantined


@pytest.mark.parametrize("folder", ["areas/southwark", "quarantine"])
def test_verify_names_a_folder_swapped_for_a_symbolic_link_to_a_copy(published, tmp_path_factory, folder):
    """The files behind the link are byte for byte the published ones: still not the
    output root's own, so verify says so instead of "OK"."""
    import shutil

    _, root = published
    copy = tmp_path_factory.mktemp("copy") / "folder"
    shutil.copytree(root / folder, copy)
    shutil.rmtree(root / folder)
    (root / folder).symlink_to(copy, target_is_directory=True)
    result = run_cli("verify", "--output", str(root))
    assert result.returncode == 1 and f"reached through the symbolic link {root / folder}" in result.stderr


def test_a_manifest_entry_outside_the_root_is_dropped_not_followed(published, tmp_path):
    server, root = published
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["files"]["../outside.csv"] = {"rows": 1, "sha256": "0" * 64, "bytes": 1, "mtime_ns": 0}
    (root / "manifest.json").write_text(json.dumps(manifest))
    (root.parent / "outside.csv").write_text("not ours\n")
    result = run_cli("verify", "--output", str(root))
    assert result.returncode == 1 and "not a path inside the output root" in result.stderr
    assert refresh(server.base_url, root, *BOROUGH) == 0  # not blocked
    assert "../outside.csv" not in json.loads((root / "manifest.json").read_text())["files"]
    assert (root.parent / "outside.csv").read_text() == "not ours\n"
    assert OutputRoot(root).verify() == []


def test_an_edited_area_list_cache_is_fetched_again(published):
    """The cached list carries its checksum: a borough renamed in it by hand is not
    published as the API's name, the list is fetched again."""
    from jsna.areas import area_list_path
    from jsna.publication import default_state_dir

    server, root = published
    path = area_list_path(default_state_dir(root), 502)
    path.write_text(path.read_text().replace('"Southwark"', '"Southwark (edited)"'))
    server.state.requests.clear()
    assert refresh(server.base_url, root, *BOROUGH) == 0
    assert [r for r in server.state.requests if r["path"].endswith("parent_to_child_areas")]
    assert "Southwark (edited)" not in path.read_text()
    assert set(pd.read_parquet(root / "areas" / "southwark" / "indicator_values.parquet")["area_name"]) >= {"Southwark"}


def test_an_edit_of_the_same_size_with_its_mtime_restored_is_repaired(published):
    """Size and mtime are trusted only for files unchanged since the commit (their change
    time says so): an edit in place with ``os.utime`` is found and rebuilt."""
    server, root = published
    path = root / "areas" / "southwark" / "indicator_values_SYNTHETIC.csv"
    good, info = path.read_bytes(), path.stat()
    digit = next(i for i, b in enumerate(good) if chr(b).isdigit() and i > 500)
    edited = good[:digit] + (b"1" if good[digit : digit + 1] != b"1" else b"2") + good[digit + 1 :]
    with path.open("r+b") as handle:  # in place: the same inode, the same size
        handle.write(edited)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    assert OutputRoot(root).damaged() != []
    assert refresh(server.base_url, root, *BOROUGH) == 0  # a quiet night, no --full
    assert path.read_bytes() == good


def test_a_folder_in_the_place_of_the_manifest_does_not_block_verify_or_the_refresh(published):
    server, root = published
    (root / "manifest.json").unlink()
    (root / "manifest.json").mkdir()
    (root / "manifest.json" / "junk").write_text("x")
    result = run_cli("verify", "--output", str(root))
    assert result.returncode == 1 and "manifest.json is damaged (a folder, not a file)" in result.stderr
    assert refresh(server.base_url, root, *BOROUGH) == 0
    assert (root / "manifest.json").is_file() and OutputRoot(root).verify() == []
