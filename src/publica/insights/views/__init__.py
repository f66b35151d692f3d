"""The insights pages: staff dashboards (`dashboards`, `hotspots`, `forecast`), the public
performance page (`performance`) and the rating a resident gives when a case closes
(`rating`)."""
