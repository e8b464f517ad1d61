"""Alembic migrations of the bot state (run by `StateStore.open`, no alembic.ini needed)."""
