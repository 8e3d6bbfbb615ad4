"""Queries over the store, one repository per aggregate. Used only through `UnitOfWork`."""

from crm.repositories.cases import CaseRepository, ReviewRepository
from crm.repositories.conversations import ConversationRepository
from crm.repositories.customers import CustomerRepository
from crm.repositories.devices import DeviceRepository, ProductRepository
from crm.repositories.marketing import MarketingRepository
from crm.repositories.orders import OrderRepository
from crm.repositories.outbox import OutboxRepository
from crm.repositories.personal_data import PersonalDataRepository
from crm.repositories.preferences import ConsentRepository, PreferenceRepository
from crm.repositories.staff import AuditRepository, DeskRepository, StaffRepository
from crm.repositories.stats import StatsRepository
from crm.repositories.triggers import TriggerRepository

__all__ = [
    "AuditRepository",
    "CaseRepository",
    "ConsentRepository",
    "ConversationRepository",
    "CustomerRepository",
    "DeskRepository",
    "DeviceRepository",
    "MarketingRepository",
    "OrderRepository",
    "OutboxRepository",
    "PersonalDataRepository",
    "PreferenceRepository",
    "ProductRepository",
    "ReviewRepository",
    "StaffRepository",
    "StatsRepository",
    "TriggerRepository",
]
