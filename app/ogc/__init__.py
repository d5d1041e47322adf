"""OGC API – Features (Parts 1 and 3) over the events and the gazetteer."""
