"""The OpenAPI document is valid and schemathesis finds no server error in any operation.

Schemathesis generates requests from the document (valid ones and, in negative mode, invalid
ones) and sends them through HTTP to the running server with an admin token of one workspace.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.web.conftest import Site

MAX_EXAMPLES = 25


@pytest.mark.slow
def test_no_operation_answers_with_a_server_error(site: Site) -> None:
    token = site.tenants["acme"].tokens["all"]
    schema = schemathesis.openapi.from_url(f"{site.url}/openapi.json")
    # The live stream never ends, and revoking tokens would revoke the fuzzer's own one:
    # both are tested by hand in test_api.py and test_security.py.
    schema = schema.exclude(path="/api/events").exclude(path_regex="^/api/tokens/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=site.url,
                headers={"Authorization": f"Bearer {token}"},
                checks=[schemathesis.checks.not_a_server_error],
            )

        fuzz()


def test_the_openapi_document_is_valid(site: Site) -> None:
    from openapi_spec_validator import validate

    with site.client() as client:
        document = client.get("/openapi.json").json()
    validate(document)
    paths = set(document["paths"])
    assert {"/api/mentions", "/api/crises/{key}", "/api/drafts/{draft_id}/approve", "/api/events"} <= paths
    assert {"HTTPBearer", "APIKeyCookie"} <= set(document["components"]["securitySchemes"])
