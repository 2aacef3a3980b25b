"""Whether the published outputs are current: built from exactly the raw data, catalogue,
footprints and areas of this run, every file there and as the manifest says. On a quiet
night (nothing new upstream) a current publication is left as it is, byte for byte."""

from __future__ import annotations

from dagster import AssetExecutionContext

from jsna import layout
from resources import RunContext


def outputs_current(context: AssetExecutionContext, run: RunContext, extra: list[str]) -> bool:
    """The published outputs were built from this raw data and catalogue, and hold every
    area this run asks for and the ``extra`` files (ICBs', footprints')."""
    root = run.output_root()
    if root.pending():
        return False  # a commit interrupted by a crash: this run finishes it
    manifest = root.read_manifest()
    if manifest.get("raw_digest") != run.raw_digest() or manifest.get("catalogue_sha256") != run.catalogue().sha256:
        return False
    files = manifest.get("files", {})
    synthetic = bool(run.raw_store().state().get("synthetic"))
    wanted = [f for s in run.slugs() for f in layout.area(s, synthetic).files()]
    wanted += [f for table in layout.table_dirs(run.scope()) for f in layout.region_files(synthetic, table)]
    wanted += extra
    fingerprint = run.data_fingerprint()
    if not all(w in files and files[w].get("data") == fingerprint for w in wanted):
        return False  # an area published from older data (e.g. by a partial refresh)
    damaged = root.damaged(manifest)
    if damaged:
        context.log.warning(f"published files differ from the manifest, rebuilding them: {damaged[:5]}")
    return not damaged
