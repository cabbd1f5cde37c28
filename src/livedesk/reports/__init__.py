"""Reports both the provider and its client businesses work from: figures per period, business
and operator, hour-of-week heatmaps, CSV of every table, pages, and the monthly report mail."""
