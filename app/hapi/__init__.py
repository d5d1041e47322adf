"""Aggregates in the shape of HDX HAPI (the Humanitarian API), so that dashboards built on
HAPI can read our events: monthly events and fatalities per admin area and event type."""
