"""The transcript an agent reads: pressed buttons by their titles, no Telegram link code."""

from __future__ import annotations

from console.chat import lines_of


def test_a_pressed_button_reads_as_its_title_and_a_link_code_never_shows() -> None:
    events = [
        {"event": "user", "timestamp": 1, "text": '/link_account{"code":"SK7KkTJAg998xgKUdcnjI5cBV4ArZleY"}'},
        {
            "event": "bot",
            "timestamp": 2,
            "text": "Which order?",
            "data": {
                "buttons": [{"title": "1001834: 2 x beans", "payload": '/choose{"order_number":"1001834"}'}]
            },
        },
        {"event": "user", "timestamp": 3, "text": '/choose{"order_number":"1001834"}'},
        {"event": "user", "timestamp": 4, "text": "/stop"},
    ]
    said = [(line.who, line.text) for line in lines_of(events)]
    assert said == [
        ("customer", "(linked this chat to their account)"),
        ("bot", "Which order?"),
        ("customer", "[pressed: 1001834: 2 x beans]"),
        ("customer", "/stop"),
    ]
    assert "SK7Kk" not in str(said)
