"""CRM core: the customer store, its services and metrics, shared by actions, scheduler and console."""
