"""The map page: ``GET /`` in a browser (events on a Leaflet map, their reports and quotes),
and the OGC API landing page as JSON for API clients at the same URL."""
