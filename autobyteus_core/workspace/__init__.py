"""Workspaces: the folder a workflow writes into, its project type, and the one safe writer."""
