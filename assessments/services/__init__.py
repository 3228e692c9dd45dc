"""The use cases of 360° cycles, one module per part of the flow:

- `cycles`: create, choose leaders, open (in a task, with progress), extend, close.
- `nominations`: leaders nominate peers and external raters; managers or HR decide.
- `answering`: raters save answers, submit or decline.
- `emails`: invitations, nomination requests, reminders and release notices, each sent once.

Releasing results lives in `assessments.release`, the one module that reads raw answers.
"""
