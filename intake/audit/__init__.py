"""The audit trail of the case database: a keyed hash chain of reads and writes, signed."""
