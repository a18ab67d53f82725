"""Every table of every domain, imported in one place so the metadata is complete for migrations."""

from stormwatch.alerting.models import Alert
from stormwatch.analysis.corrections import CauseCorrectionRecord
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.auth.models import ApiToken, AuditEvent, LoginThrottle, Membership, User, WebSession
from stormwatch.cluster.models import PartitionPosition, PublishedMention
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.detection.models import SignalRecord
from stormwatch.drill.models import DrillRun
from stormwatch.ingest.models import Mention, QuarantinedRecord, SetAsideMention
from stormwatch.report.models import ReportDelivery
from stormwatch.response.models import (
    Assignment,
    CrisisLink,
    CrisisPlan,
    CrisisReview,
    Page,
    Publication,
    ResponseDraft,
)
from stormwatch.sources.models import SourceState
from stormwatch.stats.models import HourlyCount
from stormwatch.store.db import Base
from stormwatch.workspace.models import Brand, Person, Workspace

metadata = Base.metadata

__all__ = [
    "Alert",
    "ApiToken",
    "Assignment",
    "AuditEvent",
    "Brand",
    "CauseCorrectionRecord",
    "Crisis",
    "CrisisEvent",
    "CrisisLink",
    "CrisisPlan",
    "CrisisReview",
    "DrillRun",
    "Enrichment",
    "HourlyCount",
    "LoginThrottle",
    "Membership",
    "Mention",
    "Page",
    "PartitionPosition",
    "Person",
    "Publication",
    "PublishedMention",
    "QuarantinedRecord",
    "ReportDelivery",
    "ResponseDraft",
    "SetAsideMention",
    "SignalRecord",
    "SourceState",
    "User",
    "WebSession",
    "Workspace",
    "metadata",
]
