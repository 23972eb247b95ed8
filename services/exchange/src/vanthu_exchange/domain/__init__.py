"""The exchange service's pure domain: formats and rules, no I/O of its own."""
