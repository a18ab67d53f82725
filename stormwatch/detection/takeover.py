"""Account takeover: the brand's own account posting unlike itself.

For every handle in ``BrandConfig.own_handles`` the detector learns the account's habits — the
hours it posts at, its languages, the link domains it uses, its style (shouting, exclamation
marks), its sentiment and its usual pace — and scores each new post by how many habits it breaks.
Two odd posts within the hour (or one very odd one) raise an ``account_takeover`` signal with
cause ``account_compromise``: a hijacked account does damage with every minute.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.evidence import examples_of, minutes
from stormwatch.detection.signal import Signal

_LINK = re.compile(r"https?://[^\s/]+")
WINDOW = timedelta(hours=1)
BURST_WINDOW = timedelta(minutes=30)
MIN_HISTORY = 10  # posts an account needs before its habits mean anything
REPEAT_AFTER = timedelta(minutes=30)


@dataclass(slots=True)
class AccountHabits:
    posts: int = 0
    hours: Counter[int] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    domains: set[str] = field(default_factory=set)
    negatives: int = 0
    shouting: int = 0  # posts mostly in capitals or with "!!"
    recent: deque[datetime] = field(default_factory=deque)
    busiest: int = 1  # most posts seen in one burst window

    def oddities(self, mention: EnrichedMention) -> list[str]:
        """The habits this post breaks, in words."""
        if self.posts < MIN_HISTORY:
            return []
        found = []
        post = mention.mention
        if mention.is_negative and self.negatives <= 0.1 * self.posts:
            found.append("a negative post from an account that rarely posts negatively")
        lang = mention.judgement.lang
        if lang and self.languages[lang] < 0.05 * self.posts:
            found.append(f"written in '{lang}', a language the account hardly uses")
        if self.hours[post.created_at.hour] < 0.02 * self.posts:
            found.append(f"posted at {post.created_at:%H:%M} UTC, an hour the account is never active")
        new_domains = _domains(post.text) - self.domains
        if new_domains:
            found.append(f"links to a new domain ({', '.join(sorted(new_domains))})")
        if _shouts(post.text) and self.shouting <= 0.1 * self.posts:
            found.append("shouting (capitals, '!!') unlike the account's usual style")
        in_burst = sum(1 for moment in self.recent if moment > post.created_at - BURST_WINDOW) + 1
        if in_burst >= max(4, 2 * self.busiest + 1):
            found.append(f"{in_burst} posts in {minutes(BURST_WINDOW)}, far above its usual pace")
        return found

    def learn(self, mention: EnrichedMention) -> None:
        post = mention.mention
        self.posts += 1
        self.hours[post.created_at.hour] += 1
        if mention.judgement.lang:
            self.languages[mention.judgement.lang] += 1
        self.domains |= _domains(post.text)
        self.negatives += mention.is_negative
        self.shouting += _shouts(post.text)
        self.recent.append(post.created_at)
        while self.recent and self.recent[0] <= post.created_at - BURST_WINDOW:
            self.recent.popleft()
        self.busiest = max(self.busiest, len(self.recent))


class AccountTakeoverDetector:
    kind = "account_takeover"

    def __init__(self, brand: str, own_handles: list[str]) -> None:
        self.brand = brand
        self.handles = {handle.lower().lstrip("@") for handle in own_handles}
        self.habits: dict[str, AccountHabits] = {}
        self._odd: dict[str, deque[tuple[EnrichedMention, list[str]]]] = {}
        self._last_signal_at: dict[str, datetime] = {}

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        author = (mention.mention.author or "").lower().lstrip("@")
        if author not in self.handles:
            return []
        habits = self.habits.setdefault(author, AccountHabits())
        oddities = habits.oddities(mention)
        at = mention.mention.created_at
        odd = self._odd.setdefault(author, deque())
        while odd and odd[0][0].mention.created_at <= at - WINDOW:
            odd.popleft()
        if len(oddities) >= 2:
            odd.append((mention, oddities))
        else:
            # Only posts that look like the account teach it its habits: an attacker's posts must
            # not become the new normal.
            habits.learn(mention)
        score = sum(len(reasons) for _, reasons in odd)
        if not odd or (len(odd) < 2 and score < 4) or not self._may_repeat(author, at):
            return []
        posts = [post for post, _ in odd]
        reasons = sorted({reason for _, found in odd for reason in found})
        return [
            Signal(
                brand=self.brand,
                kind=self.kind,
                at=at,
                observed=len(posts),
                expected=0.0,
                window=WINDOW,
                cause="account_compromise",
                reach=max((f for m in posts if (f := m.mention.author_followers) is not None), default=None),
                example_ids=tuple(m.mention.external_id for m in posts[:3]),
                summary=(
                    f"The brand's own account @{author} posted {len(posts)} time(s) in the last "
                    f"{minutes(WINDOW)} unlike itself: {'; '.join(reasons)}. It may have been taken over."
                ),
                story=f"takeover:{author}",
                examples=examples_of(posts),
                negative_share=sum(m.is_negative for m in posts) / len(posts),
                evidence={"handle": author, "odd_posts": len(posts), "habits_learnt_from": habits.posts},
            )
        ]

    def _may_repeat(self, author: str, at: datetime) -> bool:
        last = self._last_signal_at.get(author)
        if last is not None and at - last < REPEAT_AFTER:
            return False
        self._last_signal_at[author] = at
        return True


def _domains(text: str) -> set[str]:
    # Links in the text only: the post's own URL is where it lives, not a link it shares.
    return {urlparse(link).netloc.lower().removeprefix("www.") for link in _LINK.findall(text)}


def _shouts(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    capitals = sum(char.isupper() for char in letters)
    return "!!" in text or (len(letters) >= 12 and capitals > 0.6 * len(letters))
