"""Who is behind a signal's posts, and which of them are about the brand at all.

Severity (:mod:`stormwatch.crisis.severity`) weighs absolute evidence: distinct people, reach,
large accounts and the press, spread across sources and languages. This module counts it.

**Relevance.** A post that only *tags* the brand in someone else's conversation — a sponsor's handle
among a football club's and a player's in a fan's reply ("@LFC @player @brand We don't care"), a
handle dragged along a reply chain — is not about the brand. A post is only tagging when the brand
appears in its leading run of @handles (the reply chain), not first (first is whom the post
answers), and nowhere in what the author wrote after it.

**The brand's own accounts** (``own_handles``) are the brand speaking: their posts are no public
evidence of a crisis about it (the surge, story and trigger-term detectors skip them; the account
take-over and unanswered-customer detectors watch them on purpose). One exception: an own account's
negative posts that answer nobody (:meth:`Relevance.speaks_out`, what a hijacked account posts) count
in the surge detector's windows beside the public's, though never in its usual levels, and they
never start a test themselves.

Posts that do not name the brand at all (collected by a keyword or a source that knows they are
about it) count as about the brand: nothing says otherwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.evidence import fold
from stormwatch.detection.signal import Audience

LARGE_ACCOUNT = 100_000
# Sources whose posts are the press's; news outlets' own accounts are recognised by their reach.
PRESS_SOURCES = frozenset({"news", "rss", "google_alerts", "web"})
_LEADING_HANDLES = re.compile(r"^(?:\s*(?:\.?@\w+)[\s,:]*)+")
_HANDLE = re.compile(r"@(\w+)")


class Relevance:
    """Tells posts about a brand from posts that only tag it (see the module's docstring)."""

    def __init__(self, brand: str, handles: Iterable[str] = ()) -> None:
        folded = fold(brand).strip()
        squashed = re.sub(r"\W+", "", folded)
        self._own = own_accounts(handles)
        self._handles = {fold(handle).lstrip("@") for handle in handles} | {squashed}
        names = {folded, squashed, *self._handles}
        # A name is found as a word (or a hashtag or handle) start: "#UnitedAirlines", "@united".
        self._name = re.compile(
            r"(?<![^\W_])("
            + "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
            + ")",
        )

    def is_own(self, author: str | None) -> bool:
        """Whether the brand itself posted this (one of its configured handles): its own posts are
        the brand speaking, never public evidence of a crisis about it."""
        return is_own_author(author, self._own)

    def speaks_out(self, mention: EnrichedMention) -> bool:
        """Whether this is one of the brand's own accounts posting criticism on its own, not answering
        anyone: what a hijacked account does (the generator's and real take-overs' harmful posts), never
        its customer care. Such posts back the public's complaints as evidence, but never start a
        signal: the brand's own posts alone are no crisis about it."""
        post = mention.mention
        return (
            mention.is_negative
            and post.reply_to is None
            and _LEADING_HANDLES.match(post.text) is None
            and self.is_own(post.author)
        )

    def is_about(self, text: str) -> bool:
        folded = fold(text)
        chain = _LEADING_HANDLES.match(folded)
        if chain is None:
            return True
        body = folded[chain.end() :]
        if self._name.search(body):
            return True  # the author names the brand in what they wrote
        tagged = _HANDLE.findall(chain.group(0))
        # Addressed to the brand (its handle first: a reply to it) is about it; further along the
        # chain it is a tag in a conversation with someone else.
        return tagged[0] in self._handles or not (set(tagged[1:]) & self._handles)


def own_accounts(handles: Iterable[str]) -> frozenset[str]:
    """The brand's handles as authors are stored (no "@", any case)."""
    return frozenset(handle.strip().lstrip("@").casefold() for handle in handles if handle.strip())


def is_own_author(author: str | None, own: frozenset[str]) -> bool:
    return bool(author) and (author or "").strip().lstrip("@").casefold() in own


def audience_of(posts: Sequence[EnrichedMention], relevance: Relevance | None) -> Audience:
    """The distinct people behind ``posts`` and their voices (see :class:`Audience`; an author counts
    once, as about the brand if any of their posts is, with the weight of their loudest post), their
    known reach, large accounts, press, sources and languages."""
    copiers: dict[str, set[str]] = {}
    for post in posts:
        group = post.duplicate_group or post.mention.external_id
        copiers.setdefault(group, set()).add(_author(post))
    about: dict[str, bool] = {}
    weight: dict[str, float] = {}
    followers: dict[str, int] = {}
    press: set[str] = set()
    sources: set[str] = set()
    languages: set[str] = set()
    for post in posts:
        mention = post.mention
        author = _author(post)
        is_about = relevance is None or relevance.is_about(mention.text)
        about[author] = about.get(author, False) or is_about
        copies = len(copiers[post.duplicate_group or mention.external_id])
        weight[author] = max(weight.get(author, 0.0), math.sqrt(copies) / copies)
        followers[author] = max(followers.get(author, 0), mention.author_followers or 0)
        sources.add(mention.source)
        if post.judgement.lang:
            languages.add(post.judgement.lang)
        if mention.source in PRESS_SOURCES:
            press.add(author)
    known = [count for count in followers.values() if count > 0]  # 0: no count known (None) or sent as 0
    return Audience(
        people=len(about),
        voices_about=sum(weight[author] for author, is_about in about.items() if is_about),
        voices_tagged=sum(weight[author] for author, is_about in about.items() if not is_about),
        tagged_only=sum(not is_about for is_about in about.values()),
        known_reach=len(known),
        large_accounts=sum(count >= LARGE_ACCOUNT for count in known),
        press=len(press),
        sources=len(sources),
        languages=len(languages),
    )


def _author(post: EnrichedMention) -> str:
    return post.mention.author or post.mention.external_id
