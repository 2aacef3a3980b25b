"""The Fingertips connection: every client setting declared once, with its default and
meaning. Only the raw assets (and the CLI's start-up checks) call the API through it."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from jsna import environment
from jsna.fingertips import DEFAULT_BASE_URL, FingertipsClient
from jsna.fingertips.client import ClientBounds


class FingertipsResource(ConfigurableResource):
    """Connection settings for a Fingertips-style API. Each is read from the environment by
    ``from_env`` (``base_url`` from ``FINGERTIPS_API_URL``, the others from ``JSNA_`` and
    the field name in capitals, e.g. ``JSNA_MAX_ATTEMPTS``)."""

    base_url: str = Field(default=DEFAULT_BASE_URL, description="The API root, ending in /api.")
    connect_timeout: float = Field(default=10.0, description="Seconds to wait for a connection.")
    read_timeout: float = Field(default=120.0, description="Seconds to wait between bytes of an answer.")
    max_attempts: int = Field(default=4, description="Attempts per request (1 = no retry).")
    retry_budget_seconds: float = Field(
        default=300.0, description="Time bound of a whole request, retries and waits included."
    )
    backoff_base_seconds: float = Field(
        default=1.0, description="Backoff before the 2nd attempt (full jitter, doubling after)."
    )
    backoff_max_seconds: float = Field(default=30.0, description="Longest wait between attempts (bar Retry-After).")
    max_concurrency: int = Field(default=6, description="Requests in flight at once.")
    max_response_mb: float = Field(default=256.0, description="Largest answer accepted, encoded or decoded.")

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Field -> environment variable."""
        return {
            name: "FINGERTIPS_API_URL" if name == "base_url" else f"JSNA_{name.upper()}" for name in cls.model_fields
        }

    @classmethod
    def from_env(cls, **given: object) -> FingertipsResource:
        """Given values first, then the environment, then the defaults.

        Strings and integers come through Dagster's ``EnvVar`` (resolved when a run starts,
        so the UI picks up a changed variable); Dagster has no float ``EnvVar``, so floats
        are read here and validated by the resource's own types."""
        values: dict[str, object] = {}
        for name, variable in cls.env_names().items():
            if given.get(name) is not None:
                values[name] = given[name]
            elif environment.read(variable):
                annotation = cls.model_fields[name].annotation
                values[name] = (
                    EnvVar(variable)
                    if annotation is str
                    else EnvVar.int(variable)
                    if annotation is int
                    else environment.read(variable)
                )
        return cls(**values)

    @classmethod
    def resolved(cls, base_url: str | None = None) -> FingertipsResource:
        """``from_env`` with every setting resolved now, for use outside a run (an ``EnvVar``
        is resolved only when a run starts)."""
        unresolved = cls.from_env(base_url=base_url)
        return cls(**{name: unresolved.value_of(name) for name in cls.model_fields})

    def value_of(self, name: str) -> object:
        """A setting's value, also outside a run (where an ``EnvVar`` is not yet resolved)."""
        value = getattr(self, name)
        if hasattr(value, "env_var_name"):  # EnvVar or EnvVar.int, resolved at run start
            return type(self).model_fields[name].annotation(environment.read(value.env_var_name))
        return value

    def client(self, **overrides: object) -> FingertipsClient:
        """A plain client (usable without Dagster, e.g. in a notebook)."""
        settings = {name: getattr(self, name) for name in type(self).model_fields if name != "base_url"} | overrides
        extra = {k: settings.pop(k) for k in ("sleep", "chunk_size") if k in settings}
        return FingertipsClient(self.base_url, ClientBounds(**settings), **extra)
