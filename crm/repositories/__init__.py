"""Queries over the store, one repository per aggregate. Used only through `UnitOfWork`."""

from crm.repositories.customers import CustomerRepository
from crm.repositories.orders import OrderRepository
from crm.repositories.stats import StatsRepository

__all__ = ["CustomerRepository", "OrderRepository", "StatsRepository"]
