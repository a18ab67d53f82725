"""Hourly counts of analysed mentions, kept up to date with the enrichments, for the dashboards."""
