"""What each brand listens to, per network, as written in the workspace TOML.

Secrets are never written here: each setting names the environment variable (or key of the
secrets file) that holds the token, so the workspace file can live in a repository.
Every ``base_url`` defaults to the network's public endpoint; it is a setting so that a
self-hosted instance, a proxy or a test server can stand in for it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True


class RssSettings(_Settings):
    feeds: list[str] = Field(min_length=1, description="RSS/Atom URLs: news, blogs, Google Alerts feeds.")
    only_keywords: bool = Field(
        default=False, description="Keep only entries naming a brand keyword (for general news feeds)."
    )


class MastodonSettings(_Settings):
    api_base_url: str = "https://mastodon.social"
    hashtags: list[str] = Field(default_factory=list)
    queries: list[str] = Field(default_factory=list, description="Full-text searches (instance must allow).")
    accounts: list[str] = Field(default_factory=list, description="Own accounts (user@instance) to watch.")
    stream: bool = Field(default=True, description="Listen to the hashtag streams between polls.")
    token_env: str = "MASTODON_ACCESS_TOKEN"


class BlueskySettings(_Settings):
    base_url: str = "https://bsky.social"
    queries: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list, description="Own handles to watch.")
    jetstream_url: str | None = Field(
        default="wss://jetstream2.us-east.bsky.network/subscribe",
        description="Jetstream websocket for live posts (filtered by the brand's keywords); empty to poll only.",
    )
    identifier_env: str = "BLUESKY_HANDLE"
    password_env: str = "BLUESKY_APP_PASSWORD"


class XSettings(_Settings):
    base_url: str = "https://api.x.com"
    query: str | None = Field(
        default=None, description="API v2 search query, e.g. '(northwind OR @northwindair) -is:retweet'."
    )
    accounts: list[str] = Field(default_factory=list, description="Own usernames to watch.")
    stream: bool = Field(
        default=False, description="Use the filtered stream (needs a Pro plan) besides search."
    )
    bearer_token_env: str = "X_BEARER_TOKEN"
    user_token_env: str = "X_USER_ACCESS_TOKEN"


class RedditSettings(_Settings):
    subreddits: list[str] = Field(default_factory=list)
    query: str | None = Field(
        default=None, description="Search within the subreddits; else their newest posts and comments."
    )
    accounts: list[str] = Field(default_factory=list, description="Own usernames to watch.")
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    user_agent: str = "stormwatch/0.1 (brand monitoring)"
    client_id_env: str = "REDDIT_CLIENT_ID"
    client_secret_env: str = "REDDIT_CLIENT_SECRET"
    username_env: str = "REDDIT_USERNAME"
    password_env: str = "REDDIT_PASSWORD"


class FacebookSettings(_Settings):
    pages: list[str] = Field(min_length=1, description="Ids of the brand's Facebook Pages.")
    base_url: str = "https://graph.facebook.com/v21.0"
    token_env: str = "FACEBOOK_PAGE_TOKEN"


class InstagramSettings(_Settings):
    accounts: list[str] = Field(
        min_length=1, description="Ids of the brand's Instagram professional accounts."
    )
    base_url: str = "https://graph.facebook.com/v21.0"
    token_env: str = "INSTAGRAM_TOKEN"


class YouTubeSettings(_Settings):
    channels: list[str] = Field(
        default_factory=list, description="Channel ids (UC...) whose comments to watch."
    )
    videos: list[str] = Field(default_factory=list)
    base_url: str = "https://www.googleapis.com/youtube/v3"
    api_key_env: str = "YOUTUBE_API_KEY"
    oauth_token_env: str = "YOUTUBE_OAUTH_TOKEN"
    # For replies without a fresh access token: a refresh token of the brand's channel and its
    # OAuth client, exchanged at token_url for an access token when one is needed.
    oauth_refresh_token_env: str = "YOUTUBE_REFRESH_TOKEN"
    oauth_client_id_env: str = "YOUTUBE_CLIENT_ID"
    oauth_client_secret_env: str = "YOUTUBE_CLIENT_SECRET"
    token_url: str = "https://oauth2.googleapis.com/token"


class GoogleReviewsSettings(_Settings):
    locations: list[str] = Field(min_length=1, description="'accounts/{account}/locations/{location}' names.")
    base_url: str = "https://mybusiness.googleapis.com/v4"
    token_env: str = "GOOGLE_BUSINESS_TOKEN"


class TrustpilotSettings(_Settings):
    business_units: list[str] = Field(min_length=1)
    base_url: str = "https://api.trustpilot.com/v1"
    api_key_env: str = "TRUSTPILOT_API_KEY"


class WebhookSettings(_Settings):
    name: str = Field(pattern=r"^[a-z0-9_-]+$", description="Receives at POST /api/webhooks/{name}.")
    secret_env: str | None = Field(
        default=None,
        description="HMAC-SHA256 key for the X-Hub-Signature-256 header; required unless unsigned.",
    )
    allow_unsigned: bool = False
    max_body_bytes: int = Field(
        default=1_048_576,
        gt=0,
        le=64 * 1_048_576,
        description="Larger deliveries are refused with 413 before they are read in full.",
    )
    items: str | None = Field(default=None, description="Dotted path to the list of items in the body.")
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="Mention field -> dotted path in an item, e.g. text = 'message.body'.",
    )


class BrandSources(BaseModel):
    """The ``[brands.sources]`` table of one brand."""

    model_config = ConfigDict(extra="forbid")

    rss: RssSettings | None = None
    mastodon: MastodonSettings | None = None
    bluesky: BlueskySettings | None = None
    x: XSettings | None = None
    reddit: RedditSettings | None = None
    facebook: FacebookSettings | None = None
    instagram: InstagramSettings | None = None
    youtube: YouTubeSettings | None = None
    google_reviews: GoogleReviewsSettings | None = None
    trustpilot: TrustpilotSettings | None = None
    webhooks: list[WebhookSettings] = Field(default_factory=list)


class FirehoseSettings(_Settings):
    """The ``[sources.firehose]`` table: Bluesky's whole public stream, filtered for every brand at once."""

    url: str = Field(
        default="wss://jetstream2.us-east.bsky.network/subscribe",
        description="A Jetstream instance's /subscribe websocket (posts only are asked for).",
    )
    rewind_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="Resume this far before the checkpoint (Jetstream's advice; replayed posts are stored once).",
    )
    checkpoint_events: int = Field(
        default=1000, gt=0, description="Save the cursor at least every this many events, kept or not."
    )


class SourcesSettings(BaseModel):
    """The workspace-wide ``[sources]`` table: pacing and where secrets live."""

    model_config = ConfigDict(extra="forbid")

    poll_seconds: float = Field(default=120.0, gt=0)
    backoff_initial_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=900.0, gt=0)
    secrets_file: str | None = Field(
        default=None, description="TOML file of KEY = 'value' secrets; the environment wins over it."
    )
    dry_run_replies: bool = Field(default=False, description="Log replies instead of posting them.")
    firehose: FirehoseSettings | None = Field(
        default=None,
        description="Follow Bluesky's whole public stream once for all brands (replaces each brand's Jetstream).",
    )
