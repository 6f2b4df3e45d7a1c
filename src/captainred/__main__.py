"""`python -m captainred`: the same command as `captainred`."""

from captainred.cli import main

main()
