"""From the workspace file to running sources and a publisher: which connector serves each setting."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from stormwatch.sources.base import ALL_BRANDS, Source
from stormwatch.sources.publishing import NetworkPublisher, Reply, ReplyFunction
from stormwatch.sources.reliability import SourceError
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.webhook import Webhook
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig

log = logging.getLogger(__name__)


@dataclass
class Configured:
    """The sources built from a workspace, and those that could not be (e.g. a missing token)."""

    sources: list[Source] = field(default_factory=list)
    webhooks: list[Webhook] = field(default_factory=list)
    unavailable: list[tuple[str, str, str]] = field(default_factory=list)  # brand, network, why


def build_sources(config: WorkspaceConfig, secrets: Secrets) -> Configured:
    configured = Configured()
    firehose = (
        config.sources.firehose if config.sources.firehose and config.sources.firehose.enabled else None
    )
    for brand in config.brands:
        for network, build in _builders(brand, secrets, firehose=firehose is not None).items():
            try:
                configured.sources += build()
            except (SourceError, ValueError) as error:
                # One brand's missing token must not keep the other sources from running.
                configured.unavailable.append((brand.name, network, str(error)))
        for hook in brand.sources.webhooks:
            if hook.enabled:
                configured.webhooks.append(Webhook(brand.name, hook, secrets.get(hook.secret_env)))
    if firehose is not None:
        from stormwatch.sources.firehose_stream import firehose_source

        try:
            configured.sources.append(firehose_source(config.brands, firehose))
        except ValueError as error:
            configured.unavailable.append((ALL_BRANDS, "bluesky firehose", str(error)))
    return configured


def _builders(
    brand: BrandConfig, secrets: Secrets, *, firehose: bool = False
) -> dict[str, Callable[[], list[Source]]]:
    # Imported here: the client libraries take seconds to import (atproto alone ~3 s), and
    # commands that never listen (ingest, detect, demo) should not pay for them.
    from stormwatch.sources import bluesky, google, mastodon, meta, reddit, rss, trustpilot, x

    s = brand.sources
    name = brand.name
    keywords = brand.keywords
    builders: dict[str, Callable[[], list[Source]]] = {}
    if s.rss and s.rss.enabled:
        builders["rss"] = lambda: rss.rss_sources(name, s.rss, keywords)  # type: ignore[arg-type]
    if s.mastodon and s.mastodon.enabled:
        builders["mastodon"] = lambda: mastodon.mastodon_sources(name, s.mastodon, secrets)  # type: ignore[arg-type]
    if s.bluesky and s.bluesky.enabled:
        # With the workspace's firehose on, the brand's own Jetstream would be a second copy of it.
        sky = s.bluesky.model_copy(update={"jetstream_url": None}) if firehose else s.bluesky
        builders["bluesky"] = lambda: bluesky.bluesky_sources(name, sky, secrets, keywords)
    if s.x and s.x.enabled:
        builders["x"] = lambda: x.x_sources(name, s.x, secrets)  # type: ignore[arg-type]
    if s.reddit and s.reddit.enabled:
        builders["reddit"] = lambda: reddit.reddit_sources(name, s.reddit, secrets, keywords)  # type: ignore[arg-type]
    if s.facebook and s.facebook.enabled:
        builders["facebook"] = lambda: meta.facebook_sources(name, s.facebook, secrets)  # type: ignore[arg-type]
    if s.instagram and s.instagram.enabled:
        builders["instagram"] = lambda: meta.instagram_sources(name, s.instagram, secrets)  # type: ignore[arg-type]
    if s.youtube and s.youtube.enabled:
        builders["youtube"] = lambda: google.youtube_sources(name, s.youtube, secrets)  # type: ignore[arg-type]
    if s.google_reviews and s.google_reviews.enabled:
        builders["google_reviews"] = lambda: google.google_review_sources(name, s.google_reviews, secrets)  # type: ignore[arg-type]
    if s.trustpilot and s.trustpilot.enabled:
        builders["trustpilot"] = lambda: trustpilot.trustpilot_sources(name, s.trustpilot, secrets)  # type: ignore[arg-type]
    return builders


def build_publisher(
    config: WorkspaceConfig, secrets: Secrets, *, dry_run: bool | None = None
) -> NetworkPublisher:
    """A publisher that can reply on every network a brand has configured and that allows replies."""
    routes: dict[tuple[str, str], ReplyFunction] = {}
    for brand in config.brands:
        for network, function in _reply_functions(brand, secrets).items():
            routes[(brand.name, network)] = function
    return NetworkPublisher(routes, dry_run=config.sources.dry_run_replies if dry_run is None else dry_run)


def _reply_functions(brand: BrandConfig, secrets: Secrets) -> dict[str, ReplyFunction]:
    from stormwatch.sources import bluesky, google, mastodon, meta, reddit, x

    s = brand.sources
    functions: dict[str, ReplyFunction] = {}
    if (m := s.mastodon) is not None:
        functions["mastodon"] = partial(mastodon.reply, m, secrets)
    if (b := s.bluesky) is not None:
        functions["bluesky"] = partial(bluesky.reply, b, secrets)
    if (t := s.x) is not None:
        functions["x"] = partial(x.reply, t, secrets)
    if (r := s.reddit) is not None:
        functions["reddit"] = partial(reddit.reply, r, secrets)
    if (f := s.facebook) is not None:
        functions["facebook"] = partial(meta.reply_facebook, f, secrets)
    if (i := s.instagram) is not None:
        functions["instagram"] = partial(meta.reply_instagram, i, secrets)
    if (y := s.youtube) is not None:
        functions["youtube"] = partial(google.reply_youtube, y, secrets)
    return functions


__all__ = ["Configured", "Reply", "build_publisher", "build_sources"]
