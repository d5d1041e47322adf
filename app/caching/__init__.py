"""HTTP caching of public reads: the data version, and the validators made from it."""
