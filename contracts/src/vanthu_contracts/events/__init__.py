"""Event payload models, one module per owning service; shared value objects in ``values``.

The owner modules are imported by ``vanthu_contracts`` itself, which registers every event.
"""
