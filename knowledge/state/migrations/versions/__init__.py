"""Alembic revision files of the bot state."""
