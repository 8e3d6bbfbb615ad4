"""What reaching out does: the study's five shop metrics, and the statistics that compare groups."""
