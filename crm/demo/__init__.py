"""A deterministic demo shop: generate it (`generate_shop`), then write it (`seed_demo`)."""

from crm.demo.generator import DemoShop, generate_shop
from crm.demo.showcase import SHOWCASE_REF
from crm.demo.writer import StoreNotEmpty, seed_demo, write_shop

__all__ = ["SHOWCASE_REF", "DemoShop", "StoreNotEmpty", "generate_shop", "seed_demo", "write_shop"]
