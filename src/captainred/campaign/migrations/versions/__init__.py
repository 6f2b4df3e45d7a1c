"""The campaign schema's revisions, oldest first: each file upgrades a database by one step."""
