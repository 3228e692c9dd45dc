"""Signals of the documents app, for the apps that register kinds.

`document_downloaded(sender=Document, document=..., user=...)`: sent by the download view once the file is
open and about to be served (the evidence app logs every download of a pack)."""

from __future__ import annotations

from django.dispatch import Signal

document_downloaded = Signal()
