"""Batches: many workflows at once, each in its own workspace with its own run store.

``autobyteus batch run`` reads a spec (:mod:`.spec`), skips the items ``results.jsonl``
(:mod:`.results`) records as finished, and hands the rest to an executor (:mod:`.executor`;
``local`` in the core, more from plugins through ``register_executors``) that runs each with
:func:`.item.run_item`.
"""
