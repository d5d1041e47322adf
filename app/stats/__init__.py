"""Statistics of events: time series, summaries and spatial bins, computed by PostgreSQL."""
