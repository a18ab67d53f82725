"""Playbooks: the team's plan for each kind of crisis, kept as versioned YAML files."""
