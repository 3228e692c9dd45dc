"""Invitations, nomination requests, reminders and release notices (being written)."""

from __future__ import annotations


def send_cycle_emails(cycle_id: int) -> int:
    return 0
