"""Writes: keeping the summaries up to date (`summaries`), forecasts (`forecasts`), the
hotspot counts (`hotspots`) and residents' ratings (`ratings`)."""
