"""Stormwatch: early warning of social-media crises and the response to them."""
