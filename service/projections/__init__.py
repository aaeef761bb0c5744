"""Read models: SQLAlchemy tables fed from the event log, and the queries beside them.

The event store answers questions about one case; these tables answer questions
across cases (an authority's caseload, transfers in flight, the worklist) from
indexes. They are derived data: ``case-transfer replay`` rebuilds them from the log.
"""
