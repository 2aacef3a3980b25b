"""What a launch runs with, read in one place: the command line's flags over the
environment over the project settings file (``jsna.toml``) over the defaults.

The CLI, ``dagster dev`` (the UI and the schedule) and a restarted daemon all build their
resources here, so no launch path has settings of its own: what a publication holds is
written once, in the settings file, and every override is recorded in ``manifest.json``.
Client bounds (``JSNA_MAX_ATTEMPTS`` ...) are ``FingertipsResource.from_env``'s, in
Dagster's ``EnvVar`` where Dagster has one, so a run started from the UI reads them then.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from jsna import environment
from jsna.areas import DEFAULT_SCOPE, UPPER_TIER_AREA_TYPE
from jsna.layout import DEFAULT_OUTPUT_DIR, REAL_OUTPUT_DIR
from jsna.plausibility import DEFAULT_MAX_SHRINK
from jsna.remote import is_uri, state_dir_of

SETTINGS_FILE = "jsna.toml"
_OFF = ("no", "none", "0", "false", "off")
# Settings file key -> (Launch field, environment variable, the flag that overrides it).
PUBLICATION_KEYS = {
    "region": ("region", "JSNA_REGION", "--region"),
    "area_type": ("area_type_id", "JSNA_AREA_TYPE", "--area-type"),
    "icbs": ("icbs", "JSNA_ICBS", None),
    "footprints": ("footprints_path", "JSNA_FOOTPRINTS", "--footprints"),
    "catalogue": ("catalogue_path", "JSNA_CATALOGUE", None),
    "output_dir": ("output_dir", "JSNA_OUTPUT_DIR", "--output"),
}
PARTS = ("footprints", "icbs")  # what a launch may drop from a publication only when told (--drop)


class SettingsError(ValueError):
    """A settings file that cannot be read as the project's settings: said in one line."""


@dataclass(frozen=True)
class Launch:
    """The settings of one launch (``load``, then ``with_flags`` for the CLI's)."""

    api_url: str | None = None  # None: FINGERTIPS_API_URL, else the live API
    output_dir: str = DEFAULT_OUTPUT_DIR
    region: str = DEFAULT_SCOPE
    area_type_id: int = UPPER_TIER_AREA_TYPE
    catalogue_path: str = ""
    footprints_path: str = ""
    icbs: bool = True
    max_shrink: float = DEFAULT_MAX_SHRINK
    real_output_dir: str = str(REAL_OUTPUT_DIR)
    ui_banner: str = ""
    areas: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()  # parts of the last publication this launch may leave out (PARTS)
    settings_file: str = ""  # the settings file read, "" when there was none
    overrides: tuple[tuple[str, str], ...] = field(default=())  # (setting, what set it over the file)

    @classmethod
    def load(cls, settings_file: str | Path | None = None) -> Launch:
        """The settings file's values (``JSNA_SETTINGS``, else ``jsna.toml`` in the current
        folder, when there is one), then the environment's over them."""
        env = environment.read
        path = Path(settings_file or env("JSNA_SETTINGS") or SETTINGS_FILE)
        launch = cls()
        if path.is_file():
            launch = replace(launch, settings_file=str(path.resolve()), **_read_settings(path))
        elif settings_file or env("JSNA_SETTINGS"):
            raise SettingsError(f"the settings file {path} does not exist")
        values: dict[str, object] = {}
        overrides = []
        for key, (name, variable, _) in PUBLICATION_KEYS.items():
            if env(variable) != "" or (key == "footprints" and environment.is_set(variable)):
                values[name] = _value(key, env(variable), variable)
                overrides.append((key, variable))
        return replace(
            launch,
            api_url=env("FINGERTIPS_API_URL") or None,
            max_shrink=float(env("JSNA_MAX_SHRINK") or DEFAULT_MAX_SHRINK),
            real_output_dir=env("JSNA_REAL_OUTPUT_DIR") or str(REAL_OUTPUT_DIR),
            ui_banner=env("JSNA_UI_BANNER"),
            drop=tuple(p for p in env("JSNA_DROP").replace(",", " ").split() if p),
            overrides=tuple(overrides),
            **values,
        )

    def with_flags(self, **flags: object) -> Launch:
        """These settings with the flags that were given (None: not given); a publication
        setting given as a flag is recorded as overridden by it."""
        given = {k: v for k, v in flags.items() if v is not None}
        flag_of = {name: (key, flag) for key, (name, _, flag) in PUBLICATION_KEYS.items() if flag}
        overrides = dict(self.overrides)
        for name in given:
            if name in flag_of:
                key, flag = flag_of[name]
                overrides[key] = flag
        return replace(self, **given, overrides=tuple(overrides.items()))

    @property
    def output(self) -> str:
        """The output root: a local path made absolute (the state folder beside it is found by it)."""
        out = self.output_dir or DEFAULT_OUTPUT_DIR
        return out if is_uri(out) else str(Path(out).resolve())

    def record(self) -> str:
        """What manifest.json says of the launch that made it (JSON): the settings file read,
        and each publication setting set over it, with what set it."""
        return json.dumps(
            {"settings_file": Path(self.settings_file).name if self.settings_file else None,
             "overrides": dict(sorted(self.overrides))},
            sort_keys=True,
        )  # fmt: skip

    def to_json(self) -> str:
        """Every setting as JSON, for a run that rebuilds its job from them (``from_json``)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Launch:
        values = json.loads(text)
        for name in ("areas", "drop"):
            values[name] = tuple(values[name])
        values["overrides"] = tuple(tuple(pair) for pair in values["overrides"])
        return cls(**values)

    def resources(self) -> dict[str, object]:
        """The run's resources: the API client, the run context and the IO manager (Dagster
        is imported here, not with this module: ``jsna verify`` starts without it)."""
        from resources import FingertipsResource, RunContext
        from resources.storage import ParquetIOManager

        unknown = sorted(set(self.drop) - set(PARTS))
        if unknown:
            raise SettingsError(f"cannot drop {', '.join(unknown)}: a publication's parts are {', '.join(PARTS)}")
        fingertips = FingertipsResource.from_env(base_url=self.api_url)
        return {
            "fingertips": fingertips,
            "run": RunContext(
                fingertips=fingertips,
                output_dir=self.output,
                region=self.region,
                area_type_id=self.area_type_id,
                catalogue_path=self.catalogue_path,
                real_output_dir=self.real_output_dir,
                max_shrink=self.max_shrink,
                footprints_path=self.footprints_path,
                icbs=self.icbs,
                areas=list(self.areas),
                drop=list(self.drop),
                launch=self.record(),
            ),
            # Tables passed between assets: Parquet (never pickles) in the state folder,
            # outside the published tree.
            "io_manager": ParquetIOManager(base_dir=str(state_dir_of(self.output) / "dagster-storage")),
        }


def _read_settings(path: Path) -> dict[str, object]:
    """The settings file's publication settings as ``Launch`` fields; paths in it are
    relative to its folder. Anything it should not hold is refused, naming the key."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: not a readable settings file ({exc})") from exc
    unknown = sorted(set(document) - set(PUBLICATION_KEYS))
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}; expected: {', '.join(PUBLICATION_KEYS)}")
    values: dict[str, object] = {}
    for key, raw in document.items():
        value = _value(key, raw, f"{path}: {key}")
        if key in ("footprints", "catalogue", "output_dir") and value and not is_uri(str(value)):
            value = str((path.parent / str(value)).resolve())
        values[PUBLICATION_KEYS[key][0]] = value
    return values


def _value(key: str, raw: object, where: str) -> object:
    """One setting as its field's type, from the file (typed) or the environment (text)."""
    if key == "icbs":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            return raw.strip().lower() not in _OFF
    elif key == "area_type":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().isdigit():
            return int(raw)
    elif isinstance(raw, str):
        return raw
    raise SettingsError(f"{where}: {raw!r} is not a valid {key}")
