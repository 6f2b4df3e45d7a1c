"""Alembic's migration environment for the campaign database (env.py) and its revisions (versions/), shipped
inside the package and run by `captainred.campaign.revisions`, never through an alembic.ini."""
