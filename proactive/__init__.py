"""The proactive engine: predictors find who needs what, triggers and the policy decide whether and
when to reach out, the outbox and the pump deliver it exactly once, the scheduler runs it all."""
