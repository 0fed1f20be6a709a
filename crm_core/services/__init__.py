"""Service functions: plain functions over an open unit of work; every business rule lives here.

They flush but never commit; the caller's unit of work is the transaction.
"""
