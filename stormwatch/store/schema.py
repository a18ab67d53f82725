"""Every table of every domain, imported in one place so the metadata is complete for migrations."""

from stormwatch.alerting.models import Alert
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.auth.models import ApiToken, AuditEvent, Membership, User, WebSession
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.detection.models import SignalRecord
from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.store.db import Base
from stormwatch.workspace.models import Brand, Workspace

metadata = Base.metadata

__all__ = [
    "Alert",
    "ApiToken",
    "AuditEvent",
    "Brand",
    "Crisis",
    "CrisisEvent",
    "Enrichment",
    "Membership",
    "Mention",
    "QuarantinedRecord",
    "SignalRecord",
    "User",
    "WebSession",
    "Workspace",
    "metadata",
]
