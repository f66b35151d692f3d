"""Reads: the dashboards' figures (`figures`), forecasts (`forecasts`), hotspots
(`hotspots`) and satisfaction (`ratings`)."""
