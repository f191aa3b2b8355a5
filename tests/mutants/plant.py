"""Edits that plant a learner's version of a task in front of the reference's own.

Where the reference writes a task its own way (one node with a closed-form backward, say), a
learner's bug lives in the straightforward version the handout asks for. :func:`before` puts that
version, with the bug, just before the reference's first line: it returns first, and the
reference below it is never reached.
"""


def before(start: str, body: str, old: str = "", new: str = "") -> dict:
    """The ``old``/``new`` edit that puts ``body`` (``old`` replaced by ``new`` in it) in front of the
    reference's line ``start``, which must occur once in the module."""
    assert old in body, f"{old!r} is not in the body it should change"
    return {"old": start, "new": body.replace(old, new) + start}
