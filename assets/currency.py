"""Whether the published outputs are current: built from exactly the raw data, catalogue,
footprints and areas of this run, every file there and as the manifest says. On a quiet
night (nothing new upstream) a current publication is left as it is, byte for byte."""

from __future__ import annotations

import json

from dagster import AssetExecutionContext, Failure

from jsna import layout
from resources import RunContext


def why_rebuild(context: AssetExecutionContext, run: RunContext, extra: list[str]) -> str:
    """Why the published outputs are not current, in words for the run's log ("" when they
    are: built from this raw data and catalogue, holding every area this run asks for and
    the ``extra`` files, the ICBs' and footprints')."""
    root = run.output_root()
    if root.pending():
        return "finishing a publication a crash interrupted"
    manifest = root.read_manifest()
    if not manifest:
        return "publishing for the first time here"
    scope = run.scope()
    published = manifest.get("region_code")
    if published and published != (scope.region_code or scope.slug):
        names = {r.code: r.name for r in run.area_list().regions} | {scope.slug: scope.name}
        return f"publishing {scope.name}; the last publication's {names.get(published, published)} folders go"
    if manifest.get("catalogue_sha256") != run.catalogue().sha256:
        return "the indicator catalogue changed"
    if manifest.get("raw_digest") != run.raw_digest():
        return "the last publication was built from other data (a refresh that did not finish, or other settings)"
    files = manifest.get("files", {})
    synthetic = bool(run.raw_store().state().get("synthetic"))
    wanted = [f for s in run.slugs() for f in layout.area(s, synthetic).files()]
    wanted += [f for table in layout.table_dirs(scope) for f in layout.region_files(synthetic, table)]
    wanted += extra
    fingerprint = run.data_fingerprint()
    missing = [w for w in wanted if w not in files]
    if missing:
        return f"{len(missing)} file(s) this run publishes are not in the last publication (e.g. {missing[0]})"
    if not all(files[w].get("data") == fingerprint for w in wanted):
        return "some areas were published from older data (e.g. by a refresh of named areas)"
    damaged = root.damaged(manifest)
    if damaged:
        context.log.warning(f"published files differ from the manifest, rebuilding them: {damaged[:5]}")
        return f"{len(damaged)} published file(s) differ from the manifest (repairing them)"
    return ""


def settings_whole(run: RunContext) -> None:
    """Refuse a run whose settings did not come from ``pipelines.environment`` (the settings
    file, the environment, the flags): resource config given in the launchpad replaces every
    setting it does not name with a default (the output root, the footprints ...)."""
    if "overrides" not in json.loads(run.launch or "{}"):
        raise Failure(
            description=(
                "nothing was published: this run's settings were given as resource config in the launchpad, which "
                "resets every setting it does not name; set them in jsna.toml or the environment, and launch "
                "'Materialize all' without resource config"
            )
        )


def parts_kept(run: RunContext) -> None:
    """Refuse, before anything is fetched, a launch that would drop a part of the current
    publication that another launch made (its footprints, its ICB packs) unless told to
    (``--drop``): a UI started without the footprints must not delete the CLI's."""
    files = run.output_root().read_manifest().get("files", {})
    published = {f.split("/")[1] for f in files if f.startswith(f"{layout.FOOTPRINTS_DIR}/")}
    lost = sorted(published - set(run.footprints().slugs))
    problems = []
    if lost and "footprints" not in run.drop:
        problems.append(
            f"the footprint(s) {', '.join(lost)} (give the footprints file: --footprints, JSNA_FOOTPRINTS or jsna.toml)"
        )
    if not run.icbs and "icbs" not in run.drop and any(f.startswith(f"{layout.ICBS_DIR}/") for f in files):
        problems.append("the ICB packs (JSNA_ICBS is off for this launch)")
    if problems:
        parts = [p for p, bad in (("footprints", lost), ("icbs", not run.icbs)) if bad and p not in run.drop]
        raise Failure(
            description=(
                f"nothing was published: this launch would drop {' and '.join(problems)} from the publication an "
                f"earlier launch made; if that is meant, run it with --drop {' '.join(parts)} (JSNA_DROP in the UI)"
            )
        )
