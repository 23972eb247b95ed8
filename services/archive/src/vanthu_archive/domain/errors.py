"""The one base of the errors the archive's domain raises.

Each rule's own error lives beside the rule (hashchain, checkpoint, records_files, ...); handlers
and the API catch this base to turn any broken rule into a clear answer without touching state.
"""

from __future__ import annotations


class ArchiveDomainError(Exception):
    """A rule of the archive was broken; the message says which, in words a person can act on."""
