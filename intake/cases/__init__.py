"""The case database for coordinators: records, the in-memory case index, search, persons."""
