"""The console for the shop's staff: the agents' live handoff desk, marketers' pages, admin, data rights."""
