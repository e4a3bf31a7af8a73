"""The coding steps, one class per module. Import them from their modules (this package
imports nothing, so loading one step does not load the others)."""
