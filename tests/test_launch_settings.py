"""One configuration for every launch path: the settings file (``jsna.toml``), the
environment and the flags over it (recorded in the manifest), and a launch that would
drop a part of the publication another launch made refused unless told."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.definitions import build_definitions
from pipelines.environment import Launch, SettingsError
from tests.pipeline_helpers import FAULT_SUITE_IDS, refresh, snapshot

FOOTPRINTS = """footprints:
  - slug: lambeth-and-southwark
    name: Lambeth and Southwark
    members: [E09000022, E09000028]
"""
# The launch-path test's scope: the North East, two councils in the suite's England, so that
# the UI's run (every area of the scope, as dagster dev runs it) renders two packs, not 33.
NORTH_EAST_FOOTPRINTS = """footprints:
  - slug: hartlepool-and-newcastle
    name: Hartlepool and Newcastle
    members: [E06000001, E08000021]
"""

pytestmark = pytest.mark.usefixtures("ephemeral_dagster")


def settings(folder: Path, text: str, footprints: str = FOOTPRINTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "footprints.yaml").write_text(footprints)
    file = folder / "jsna.toml"
    file.write_text(text)
    return file


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("JSNA_REGION", "JSNA_AREA_TYPE", "JSNA_ICBS", "JSNA_FOOTPRINTS", "JSNA_CATALOGUE", "JSNA_OUTPUT_DIR"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_file_is_read_relative_to_itself_and_overrides_are_recorded(tmp_path, clean_env):
    file = settings(tmp_path / "project", 'region = "north-west"\nicbs = false\nfootprints = "footprints.yaml"\n')
    launch = Launch.load(file)
    assert (launch.region, launch.icbs) == ("north-west", False)
    assert launch.footprints_path == str(tmp_path / "project" / "footprints.yaml")
    assert launch.overrides == ()
    clean_env.setenv("JSNA_REGION", "london")
    clean_env.setenv("JSNA_ICBS", "yes")
    launch = Launch.load(file).with_flags(area_type_id=501, output_dir=None)
    assert (launch.region, launch.icbs, launch.area_type_id) == ("london", True, 501)
    record = json.loads(launch.record())
    assert record == {
        "settings_file": "jsna.toml",
        "overrides": {"area_type": "--area-type", "icbs": "JSNA_ICBS", "region": "JSNA_REGION"},
    }


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('regoin = "london"\n', "unknown setting(s) regoin"),
        ("area_type = 'five'\n", "'five' is not a valid area_type"),
        ("icbs = 3\n", "3 is not a valid icbs"),
        ('region = "london\n', "not a readable settings file"),
    ],
)
def test_a_bad_settings_file_is_refused_in_one_line_naming_it(tmp_path, clean_env, text, said):
    file = settings(tmp_path, text)
    with pytest.raises(SettingsError, match=None) as caught:
        Launch.load(file)
    assert said in str(caught.value) and str(file) in str(caught.value)


def test_a_bad_settings_file_stops_the_refresh_before_anything_is_written(tmp_path, clean_env, capsys):
    clean_env.setenv("JSNA_SETTINGS", str(settings(tmp_path / "p", "icbs = 3\n")))
    assert refresh("http://127.0.0.1:9/api", tmp_path / "out") == 1
    assert "3 is not a valid icbs" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_every_launch_path_publishes_what_the_file_says_and_none_drops_a_part_unasked(
    tmp_path, clean_env, capsys, fault_suite_catalogue_file
):
    """The CLI and a run built as ``dagster dev`` builds it (no flags) read the same file;
    a launch without the footprints is refused, publishing nothing, until told to drop them.
    The file names the fault suite's catalogue: every launch path reads that too."""
    text = (
        f'region = "north-east"\nicbs = false\nfootprints = "footprints.yaml"\n'
        f'catalogue = "{fault_suite_catalogue_file}"\n'
    )
    file = settings(tmp_path / "project", text, NORTH_EAST_FOOTPRINTS)
    clean_env.setenv("JSNA_SETTINGS", str(file))
    out = tmp_path / "out"
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, out, "--area", "hartlepool") == 0
        assert (out / "footprints" / "hartlepool-and-newcastle" / "summary.parquet").exists()
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["launch"]["settings_file"] == "jsna.toml"
        # As the UI's run: the definitions from the environment and the file, no flags.
        clean_env.setenv("FINGERTIPS_API_URL", server.base_url)
        clean_env.setenv("JSNA_OUTPUT_DIR", str(out))
        ui = (
            build_definitions()
            .resolve_job_def("refresh_all")
            .execute_in_process(run_config={"ops": {"raw_fingertips__indicator_data": {"config": {"full": True}}}})
        )
        assert ui.success
        assert {p.name for p in (out / "areas").iterdir()} == {"hartlepool", "newcastle-upon-tyne"}  # every area
        published_ids = set(
            pd.read_parquet(out / "areas" / "newcastle-upon-tyne" / "indicator_values.parquet").indicator_id
        )
        assert published_ids and published_ids <= set(FAULT_SUITE_IDS)  # the file's catalogue
        assert (out / "footprints" / "hartlepool-and-newcastle" / "summary.parquet").exists()
        before = snapshot(out)
        capsys.readouterr()
        clean_env.setenv("JSNA_FOOTPRINTS", "")  # a launch path without the footprints
        assert refresh(server.base_url, out, "--area", "hartlepool", "--full") == 1
        err = capsys.readouterr().err
        assert "would drop the footprint(s) hartlepool-and-newcastle" in err and "--drop footprints" in err
        assert snapshot(out) == before  # refused before anything was fetched or written
        assert refresh(server.base_url, out, "--area", "hartlepool", "--drop", "footprints") == 0
    assert not (out / "footprints").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["launch"]["overrides"] == {"footprints": "JSNA_FOOTPRINTS", "output_dir": "--output"}


def test_a_run_whose_settings_were_replaced_in_the_launchpad_publishes_nothing(tmp_path, clean_env):
    """Resource config in the launchpad resets every setting it does not name to its
    default (the output root, the footprints): such a run is refused in its first step."""
    with running_sample_api(SampleApiState()) as server:
        defs = build_definitions(api_url=server.base_url, output_dir=str(tmp_path / "out"))
        result = defs.resolve_job_def("refresh_all").execute_in_process(
            run_config={"resources": {"run": {"config": {"areas": ["southwark"], "output_dir": str(tmp_path / "x")}}}},
            raise_on_error=False,
        )
        asked = [r for r in server.state.requests if "all_data" in r["path"]]
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert "resets every setting it does not name" in failure
    assert asked == [] and not (tmp_path / "x" / "manifest.json").exists()


def test_a_launch_rebuilt_from_its_json_is_the_same_launch():
    """``jsna refresh`` hands its launch to the job Dagster rebuilds as JSON: every setting,
    the flags' tuples and what overrode the file among them, comes back as it was."""
    launch = Launch.load().with_flags(region="north-west", areas=("bolton", "wigan"), drop=("footprints",), icbs=False)
    again = Launch.from_json(launch.to_json())
    assert again == launch
    assert again.areas == ("bolton", "wigan") and isinstance(again.overrides, tuple)
