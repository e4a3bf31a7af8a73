"""The workflow engine: steps, their configuration, status, context, events and the run store."""
