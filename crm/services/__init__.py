"""Use cases over the store. Actions, the scheduler and the console call these, with a UnitOfWork."""
