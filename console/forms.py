"""Posted forms, read in the event loop so that the page handlers themselves (store, Rasa, argon2)
run in FastAPI's worker threads and never stall the other staff's requests."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, HTTPException, Request

MAX_FORM_BYTES = 100_000


async def form_fields(request: Request) -> dict[str, str]:
    """The form's fields (the first value of each); a body over MAX_FORM_BYTES is refused unread."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(status_code=413, detail="form too large")
    fields = parse_qs(body.decode("utf-8", "replace"))
    return {name: values[0] for name, values in fields.items() if values}


FormFields = Annotated[dict[str, str], Depends(form_fields)]
