"""The engine: the World (struct of arrays), its step rules (flight, sensing, weapons, damage, radio,
cameras, the ship's reach into minds) and the event log. Imports no other part but `scenario`."""
