"""Which time zone a team reads times in.

Times are stored in UTC; people read them in their own zone. A workspace's zone is the one most
of its active team members have in the workspace file; a team without one falls back to the zone
of the brand's only language (a Polish-only brand is read in Warsaw), and else to UTC.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.workspace.models import Brand, Person

UTC_ZONE = "UTC"
# Only where one language means one zone; English does not.
LANGUAGE_ZONES = {"pl": "Europe/Warsaw"}


def common_zone(zones: Iterable[str], languages: Iterable[str] = ()) -> str:
    """The most common non-UTC zone of ``zones``; else the languages' zone; else UTC."""
    counts = Counter(zone for zone in zones if zone and zone != UTC_ZONE)
    if counts:
        return counts.most_common(1)[0][0]
    fitting = {LANGUAGE_ZONES.get(lang) for lang in languages}
    if len(fitting) == 1 and None not in fitting:
        return str(fitting.pop())
    return UTC_ZONE


def workspace_zone(session: Session, workspace_id: int, brand: Brand | None = None) -> ZoneInfo:
    """The zone the workspace's team (or the team of ``brand``) reads times in."""
    people = session.scalars(
        select(Person).where(Person.workspace_id == workspace_id, Person.active.is_(True))
    ).all()
    if brand is not None:
        people = [p for p in people if not p.brands or brand.name in p.brands]
        languages: list[str] = list(brand.languages or [])
    else:
        brands = session.scalars(select(Brand).where(Brand.workspace_id == workspace_id)).all()
        languages = sorted({lang for b in brands for lang in b.languages or []})
    return ZoneInfo(common_zone((p.timezone for p in people), languages))
