import uuid


def parse_uuid(value) -> uuid.UUID | None:
    """A public id from user input, or None when it is not one (the caller answers 404)."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None
