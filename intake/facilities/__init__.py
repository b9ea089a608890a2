"""The facility registry: the bundled public list with the case database's additions,
edits and merges layered over it.
"""
