"""The interview: step-by-step intake of one testimony, drafts, finalising."""
