"""Messages the shop sends first, delivered through Rasa on the customer's own channel.

`outreach.send.send(customer, channel, intent, entities, key)` is the one way in; the proactive
engine calls it after its policy checks (consent, quiet hours, frequency).
"""
