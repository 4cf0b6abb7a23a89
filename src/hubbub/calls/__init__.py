"""One-to-one calls: the signalling state machine (`machine`), its wiring to the hub (`service`) and
the ICE servers handed to clients (`ice`). Media never passes through the server."""

from .machine import Calls, CallError, Party, Target

__all__ = ["Calls", "CallError", "Party", "Target"]
