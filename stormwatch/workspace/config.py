"""A workspace's configuration: one TOML file, validated into typed settings.

``stormwatch init`` writes :data:`EXAMPLE_CONFIG`, a commented example that loads as is.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from stormwatch.i18n.refusal import Refusal
from stormwatch.ingest.window import TimeWindow
from stormwatch.sources.settings import BrandSources, SourcesSettings


class ConfigError(Refusal, ValueError):
    """A workspace file that cannot be used; the message names the file and the field."""


class BrandConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    languages: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    own_handles: list[str] = Field(default_factory=list)
    trigger_terms: list[str] = Field(default_factory=list)
    alert_urls: list[str] = Field(default_factory=list)
    reply_sla_minutes: int = Field(default=60, gt=0)
    # Where the connectors listen for this brand (docs/connectors.md).
    sources: BrandSources = Field(default_factory=BrandSources)

    @field_validator("own_handles")
    @classmethod
    def _strip_at(cls, handles: list[str]) -> list[str]:
        # Handles are compared with mention authors, which never carry the '@'.
        return [handle.lstrip("@").lower() for handle in handles]


QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class PersonConfig(BaseModel):
    """A member of the response team: who they are, how to reach them, what they do, when they sleep."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    email: str | None = None
    # apprise URLs that reach this person (e-mail, Slack DM, SMS gateway, webhook...)
    notify: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    # Brands this person works on; empty means every brand of the workspace.
    brands: list[str] = Field(default_factory=list)
    timezone: str = "UTC"
    # "22:00-07:00" in the person's own time zone: no pages then, except for severity 4.
    quiet_hours: str | None = None
    # How the person signs the brand's replies (e.g. "^AK"), to credit them with a reply.
    reply_signature: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {zone!r} (use an IANA name such as 'Europe/Warsaw')"
            ) from error
        return zone

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_format(cls, value: str | None) -> str | None:
        if value is not None and not QUIET_HOURS.match(value):
            raise ValueError(f"quiet hours {value!r} must look like '22:00-07:00'")
        return value

    def quiet_window(self) -> tuple[time, time] | None:
        if self.quiet_hours is None:
            return None
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)


class WorkspaceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "Default workspace"
    # A folder of playbook files that replace the bundled ones of the same name (relative to this file).
    playbooks_dir: str | None = None
    # Mentions pushed for a brand not in this file create it, until the workspace has this many
    # brands; beyond, such mentions are refused (422, naming the brand). 0: pushes create none.
    max_brands: int = Field(default=100, ge=0, le=100_000)


class ServerSettings(BaseModel):
    """The ``[server]`` table: how `stormwatch serve` / `run` face the network."""

    model_config = ConfigDict(extra="forbid")

    # Reverse proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto headers
    # are believed. Anyone else's are ignored: a client could otherwise pick the address that the
    # log-in throttle and the audit log see. Default: none.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as error:
                raise ValueError(f"{proxy!r} is not an IP address or network (e.g. '10.0.0.0/8')") from error
        return proxies


class IngestSettings(BaseModel):
    """What incoming mentions must look like beyond the fixed limits of the store (README: "Input limits")."""

    model_config = ConfigDict(extra="forbid")

    # Mentions dated before this day are quarantined (a real post is never that old).
    earliest: date = date(2006, 1, 1)
    # ...and those dated more than this many hours ahead of the wall clock.
    max_ahead_hours: float = Field(default=24, ge=0, le=24 * 366)

    def window(self) -> TimeWindow:
        earliest = datetime.combine(self.earliest, time(), tzinfo=UTC)
        return TimeWindow(earliest=earliest, max_ahead=timedelta(hours=self.max_ahead_hours))


HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ReportSchedule(BaseModel):
    """One ``[[report.schedule]]``: a review sent as a PDF, once per period, to the chosen people."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    every: Literal["week", "month", "quarter"] = "month"
    # Sent on the first working day (Monday to Friday) after the period, or on its first day.
    on: Literal["first_working_day", "first_day"] = "first_working_day"
    brand: str | None = None  # one brand's review; none: the whole workspace
    language: Literal["en", "pl"] = "en"
    # People of [[people]] by name (their notify URLs) and/or apprise URLs.
    to: list[str] = Field(min_length=1)


class ReportSettings(BaseModel):
    """The ``[report]`` table: the agency's look on reports, and the reviews it sends on a schedule."""

    model_config = ConfigDict(extra="forbid")

    logo: str | None = None  # an SVG, PNG or JPEG file (relative to the workspace file)
    colour: str = "#1f3a5f"  # headings and bars
    accent: str = "#c0392b"  # crises and negative figures
    language: Literal["en", "pl"] = "en"
    schedule: list[ReportSchedule] = Field(default_factory=list)

    @field_validator("colour", "accent")
    @classmethod
    def _hex(cls, colour: str) -> str:
        if not HEX_COLOUR.match(colour):
            raise ValueError(f"{colour!r} is not a colour like '#1f3a5f'")
        return colour


class WorkspaceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workspace: WorkspaceSettings = Field(default_factory=WorkspaceSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)
    brands: list[BrandConfig] = Field(default_factory=list)
    people: list[PersonConfig] = Field(default_factory=list)
    report: ReportSettings = Field(default_factory=ReportSettings)

    def brand(self, name: str) -> BrandConfig:
        """The named brand's settings; a brand not in the file gets the defaults."""
        for brand in self.brands:
            if brand.name == name:
                return brand
        return BrandConfig(name=name)


def load_config(path: Path | str | None) -> WorkspaceConfig:
    if path is None:
        return WorkspaceConfig()
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError("%(file)s: cannot read: %(why)s", file=path, why=error.strerror) from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("%(file)s: not valid TOML: %(why)s", file=path, why=error) from error
    try:
        config = WorkspaceConfig.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}" for issue in error.errors()
        )
        # Pydantic words each problem in English; the file and the fields are what a reader acts on.
        raise ConfigError("%(file)s: invalid settings: %(problems)s", file=path, problems=problems) from error
    if config.workspace.playbooks_dir is not None:
        # Relative to the workspace file, so the file works from any current directory.
        folder = (path.parent / config.workspace.playbooks_dir).resolve()
        config.workspace.playbooks_dir = str(folder)
    if config.report.logo is not None:
        config.report.logo = str((path.parent / config.report.logo).resolve())
    return config


EXAMPLE_CONFIG = """\
# Stormwatch workspace: the brands this team watches and where their alerts go.
# Use it with `stormwatch serve --config FILE` (dashboard), `stormwatch run --config FILE` (listening too),
# `stormwatch ingest FILE.jsonl --config FILE` and `stormwatch detect --config FILE`; docs/getting-started.md.

[workspace]
name = "My Agency"
# Playbooks here replace the bundled ones with the same name (`stormwatch playbook show` lists them).
# playbooks_dir = "playbooks"
# Pushed mentions (POST /api/mentions) may create brands not listed here until there are this many.
max_brands = 100

# The web server. Reverse proxies whose X-Forwarded-For is believed (addresses or networks);
# with none, the address that connects is the client's.
[server]
trusted_proxies = []

# How often the connectors poll, how they back off, where tokens are kept.
[sources]
poll_seconds = 120
backoff_max_seconds = 900
# secrets_file = "~/.config/stormwatch/secrets.toml"  # NAME = "token" lines; the environment wins
dry_run_replies = false
# Bluesky's whole public stream, once for every brand below, keeping posts that name a brand
# (name, keywords, own handles; docs/connectors.md). Replaces each brand's own Jetstream.
# [sources.firehose]
# url = "wss://jetstream2.us-east.bsky.network/subscribe"

# Incoming mentions dated outside this span are quarantined with the reason (a post from year 1
# or 2100 would throw detection off). Lengths and counts are limited by the store (README).
[ingest]
earliest = 2006-01-01
max_ahead_hours = 24

[[brands]]
name = "Northwind Air"
# Languages the brand is talked about in (ISO 639-1); used to pick models and trigger terms.
languages = ["en"]
# Words and phrases that make a post a mention of the brand (used by the connectors).
keywords = ["northwind", "@northwindair"]
# The brand's own accounts, without '@': their posts are watched for takeover and count as replies.
own_handles = ["northwindair"]
# Words that make any negative mention urgent, in any language.
trigger_terms = ["boycott", "hacked", "lawsuit", "data leak"]
# Where alerts go: any apprise URL (Slack, Microsoft Teams, e-mail, JSON webhook...), e.g.
#   "slack://TokenA/TokenB/TokenC/#crisis", "msteams://...", "mailtos://user:pass@example.com",
#   "json://hooks.example.com/stormwatch"
alert_urls = []
# A customer's question should get a reply from an own account within this many minutes.
reply_sla_minutes = 60

# Where the connectors listen for this brand (`stormwatch sources list|test|run`, `stormwatch run`).
# Tokens come from the environment or the secrets file, never from this file: docs/connectors.md
# says what to create on each network and which variable holds what.
[brands.sources.rss]
feeds = ["https://news.google.com/rss/search?q=%22Northwind+Air%22&hl=en-US&gl=US&ceid=US:en"]
# [brands.sources.mastodon]
# api_base_url = "https://mastodon.social"
# hashtags = ["northwindair"]
# accounts = ["northwindair@mastodon.social"]
# [brands.sources.bluesky]
# queries = ["northwind air"]
# accounts = ["northwindair.bsky.social"]
# [brands.sources.x]
# query = "(northwind OR @northwindair) -is:retweet"
# accounts = ["northwindair"]
# [brands.sources.reddit]
# subreddits = ["travel", "flights"]
# [brands.sources.facebook]
# pages = ["104000000000000"]
# [brands.sources.instagram]
# accounts = ["17841400000000000"]
# [brands.sources.youtube]
# channels = ["UCxxxxxxxxxxxxxxxxxxxxxx"]
# [brands.sources.trustpilot]
# business_units = ["46d6a890000064000500e0c3"]
# [[brands.sources.webhooks]]
# name = "zapier"
# secret_env = "ZAPIER_WEBHOOK_SECRET"
# fields = { text = "message", created_at = "time", author = "user.name", url = "link" }

[[brands]]
name = "Polana"
languages = ["pl"]
keywords = ["polana", "@polana_pl"]
own_handles = ["polana_pl"]
trigger_terms = ["bojkot", "wyciek danych", "pozew", "zhakowane"]
alert_urls = []
reply_sla_minutes = 120

# The response team. Roles are the ones the playbooks name (owner, approver, comms, legal,
# customer_service, security, lead); pages follow the playbook's escalation chain of roles.
[[people]]
name = "Anna Kowalska"
email = "anna@example.com"
notify = []  # apprise URLs, e.g. "mailto://user:pass@example.com", "json://hooks.example.com/anna"
roles = ["owner", "comms"]
timezone = "Europe/Warsaw"
quiet_hours = "23:00-07:00"
reply_signature = "^AK"

[[people]]
name = "Ben Carter"
roles = ["lead", "approver"]
brands = ["Northwind Air"]
timezone = "America/New_York"

# Reports (`stormwatch report ...`): the agency's look, and reviews sent as PDF on a schedule.
# [report]
# logo = "logo.svg"
# colour = "#1f3a5f"
# accent = "#c0392b"
# language = "en"
# [[report.schedule]]
# name = "monthly-review"
# every = "month"              # week | month | quarter
# on = "first_working_day"     # or first_day
# to = ["Anna Kowalska"]       # people above (their notify URLs) or apprise URLs
"""
