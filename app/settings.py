"""Settings, read from the environment (prefix ``SE_``; ``DATABASE_URL`` as users expect it)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="SE_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "SE_DATABASE_URL"),
        description="postgresql://... of a PostGIS database; unset = the project-local cluster",
    )
    database_read_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_READ_URL", "SE_DATABASE_READ_URL"),
        description="postgresql://... of one or more streaming replicas, comma-separated: "
        "anonymous reads go there; unset = every read on the primary",
    )
    replica_max_lag_s: float = Field(
        default=5.0,
        gt=0,
        description="a replica further behind the primary than this is skipped until it "
        "catches up (reads go to another replica or the primary)",
    )
    replica_check_s: float = Field(
        default=1.0, gt=0, description="seconds between checks of each replica's lag"
    )
    data_dir: Path = Field(default=Path(".data"), description="where the local cluster lives")
    pg_port: int = Field(default=54329, ge=1024, le=65535)
    pool_size: int = Field(default=10, ge=1)
    pool_timeout_s: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=15000, ge=100)
    default_limit: int = Field(default=100, ge=1)
    max_limit: int = Field(default=10000, ge=1)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    rate_limit_anon_per_min: int = Field(
        default=600,
        ge=0,
        description="requests a minute per client address without an API key, in bursts of "
        "a tenth of that; per process; 0 = no limit",
    )
    rate_limit_key_per_min: int = Field(
        default=1200,
        ge=0,
        description="requests a minute per API key, in bursts of a tenth of that; 0 = no limit",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="where rate limits are counted: memory:// (this process only: N processes "
        "allow N times the rate) or redis://host:port/db, shared by every process and host",
    )
    export_max_bbox_deg2: float = Field(
        default=0,
        ge=0,
        description="largest bbox (square degrees) of a CSV/NDJSON export without limit=; "
        "no bbox is the whole world; 0 = no cap (set it on a public deployment)",
    )
    export_max_days: int = Field(
        default=0,
        ge=0,
        description="longest datetime span (days) of an export without limit=; an open or "
        "missing interval is unbounded; 0 = no cap (set it on a public deployment)",
    )
    export_slots: int = Field(
        default=4,
        ge=1,
        description="unpaged exports (CSV, NDJSON, ACLED) running at once; also the size of "
        "their own connection pool; past it a 503 with Retry-After",
    )
    export_slots_per_client: int = Field(
        default=2, ge=1, description="unpaged exports one client may run at once; past it a 429"
    )
    export_buffer_bytes: int = Field(
        default=1024 * 1024,
        ge=64 * 1024,
        description="read-ahead of an export kept in memory; beyond it an unnamed temporary "
        "file holds what the client has not read yet",
    )
    export_idle_s: float = Field(
        default=60, gt=0, description="an export whose client reads nothing this long is cut off"
    )
    export_max_s: float = Field(
        default=3600,
        ge=0,
        description="an export still downloading after this is cut off; 0 = never",
    )
    export_statement_timeout_ms: int = Field(
        default=300_000, ge=1000, description="statement timeout of an export's query"
    )
    dashboard_slots: int = Field(
        default=4,
        ge=1,
        description="statistics and tile requests running at once (they queue for a slot)",
    )
    dashboard_slots_per_client: int = Field(
        default=8,
        ge=1,
        description="statistics and tile requests one client may have running or queued; "
        "past it a 429",
    )
    dashboard_wait_s: float = Field(
        default=3, ge=0, description="longest wait for a statistics/tile slot; then a 503"
    )
    shutdown_grace_s: int = Field(
        default=30,
        ge=0,
        description="on SIGTERM, how long in-flight requests may take before they are cut",
    )
    db_role: str = Field(
        default="syria_events_app",
        description="role the API runs as (SET ROLE): it may not rewrite history; empty = none",
    )
    rollup_fold_s: float = Field(
        default=2.0,
        ge=0,
        description="seconds between folds of the statistics roll-ups' pending changes by "
        "each API process (0 = never: statistics stay exact but slow down as changes pile up)",
    )
    fast_reads: bool = Field(
        default=True,
        description="answer anonymous GET /events, /events/{id} and /collections/events/items "
        "without FastAPI's dependency machinery (same responses; off = every request through it)",
    )
    cors_origins: str = Field(
        default="*",
        description="origins allowed to call the API from a browser, comma-separated; empty = "
        "no CORS headers",
    )
    public_url: str | None = Field(
        default=None, description="base URL for links when served behind a proxy"
    )
    cache_max_age_s: int = Field(
        default=10,
        ge=0,
        description="Cache-Control max-age of public lists, items and statistics: how long a "
        "shared cache may serve them without asking; then it revalidates (a 304 unless the "
        "data changed)",
    )
    tile_max_age_s: int = Field(
        default=300,
        ge=0,
        description="Cache-Control max-age of public vector tiles; after it, clients and "
        "caches revalidate with the ETag (a 304 when nothing changed)",
    )

    geoparse_workers: int = Field(
        default=1,
        ge=0,
        description="processes that geoparse reports, so that the API keeps answering while a "
        "long one is analysed; 1 suits 2 cores (the API and PostgreSQL need the other), cores "
        "- 1 more; 0 = in the API process, blocking it (for debugging)",
    )
    ingest_per_client: int = Field(
        default=2,
        ge=1,
        description="reports one API key may have being ingested at once; past it a 429 "
        "(in all, 4 per geoparse worker; past that a 503)",
    )
    max_drafts_per_report: int = Field(
        default=300,
        ge=0,
        description="draft events one report may propose (the first ones in its text, repeats "
        "collapsed); how many more there were is the report's drafts_omitted",
    )

    # syria-events fetch: where each source's files are published (tests point them at a
    # local server) and where downloads are kept.
    fetch_ucdp_url: str = Field(
        default="https://ucdp.uu.se/downloads",
        description="UCDP's downloads: ged/ged<yy><r>-csv.zip, candidateged/GEDEvent_v<...>.csv",
    )
    fetch_ucdp_version: str = Field(
        default="26.1",
        description="UCDP GED release: 26.1 (yearly), 26.0.3 (a monthly candidate)",
    )
    fetch_geonames_url: str = Field(
        default="https://download.geonames.org/export/dump",
        description="GeoNames' dumps: <url>/SY.zip",
    )
    fetch_hdx_url: str = Field(
        default="https://data.humdata.org",
        description="HDX (CKAN): <url>/api/3/action/package_show?id=<dataset>",
    )
    fetch_boundaries_dataset: str = Field(
        default="cod-ab-syr", description="HDX dataset of OCHA's COD-AB for Syria"
    )
    fetch_cache_dir: Path | None = Field(
        default=None, description="downloads kept here; unset = <data dir>/downloads"
    )
    fetch_timeout_s: float = Field(default=60, gt=0, description="connect/read timeout")

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @property
    def download_dir(self) -> Path:
        """Where ``syria-events fetch`` keeps what it downloaded."""
        found = self.fetch_cache_dir or self.data_dir / "downloads"
        return found.expanduser().resolve()

    @property
    def server_link(self) -> Path:
        """A symlink to the server's folder when it is not ``data_dir`` itself: as root, where
        the ``postgres`` user cannot enter ``data_dir`` (see app/cli/localdb.py)."""
        return self.data_dir / "server"

    @property
    def server_dir(self) -> Path:
        """The local server's folder (``pg/``, ``run/``, ``postgres.log``)."""
        link = self.server_link
        return self.data_dir / link.readlink() if link.is_symlink() else self.data_dir

    @property
    def socket_dir(self) -> Path:
        return self.server_dir / "run"

    @property
    def cluster_dir(self) -> Path:
        return self.server_dir / "pg"

    def local_database_url(self, dbname: str = "syria_events") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.socket_dir}&port={self.pg_port}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or self.local_database_url()

    @property
    def read_urls(self) -> list[str]:
        """The replicas' URLs, in the order given (none: every read on the primary)."""
        return [u.strip() for u in (self.database_read_url or "").split(",") if u.strip()]

    @property
    def uses_local_cluster(self) -> bool:
        return self.database_url is None
