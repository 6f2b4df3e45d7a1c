"""The fleet: carriers, their decks, launch and recovery."""
