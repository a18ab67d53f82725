"""Running the response to a crisis: lifecycle, pages and escalation, drafts and approvals, reviews."""
