"""Spaces: a strategy group's workspace, its members and their roles."""
