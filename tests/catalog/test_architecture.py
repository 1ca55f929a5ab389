"""The catalog services package follows the service rules (tests/test_architecture.py scans
modules named services.py; this covers the modules of the services package)."""

import importlib
import inspect
import pkgutil

import sellsafe.catalog.services as package


def test_catalog_services_are_keyword_only_and_typed():
    offenders = []
    checked = 0
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in ("validation", "common"):
            continue  # helpers, not services
        name = f"{package.__name__}.{info.name}"
        module = importlib.import_module(name)
        for func_name, func in inspect.getmembers(module, inspect.isfunction):
            if func_name.startswith("_") or func.__module__ != name:
                continue
            checked += 1
            params = inspect.signature(func).parameters.values()
            if any(p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params):
                offenders.append(f"{name}.{func_name}")
            if "return" not in func.__annotations__:
                offenders.append(f"{name}.{func_name} (no return type)")
            if "shop" in inspect.signature(func).parameters and not hasattr(func, "__wrapped__"):
                offenders.append(f"{name}.{func_name} (not a @tenancy.shop_service)")
    assert checked >= 8
    assert offenders == []
