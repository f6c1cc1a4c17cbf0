"""The SMS channel's pieces: GSM-7 text, SMS rendering, safe words and per-phone state.

The route itself is `api/routers/sms.py`; `channel.py` runs one inbound text end to end.
"""
