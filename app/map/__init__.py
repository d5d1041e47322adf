"""The map page: ``GET /`` in a browser (the events of the API's vector tiles on a MapLibre map
over an offline basemap, a timeline, their reports and quotes, in English or Arabic), and the
OGC API landing page as JSON for API clients at the same URL."""
