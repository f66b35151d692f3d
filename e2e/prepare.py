"""Prepare a throwaway Publica for the browser tests: demo data and a staff TOTP key.

PUBLICA_DATA_DIR=… python e2e/prepare.py   → prints JSON for the test to use
"""

from __future__ import annotations

import json
import os
import secrets

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publica.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from publica.accounts.models import User  # noqa: E402
from publica.demo.load import DEMO_PASSWORD, load_demo  # noqa: E402

call_command("migrate", verbosity=0)
call_command("createcachetable", verbosity=0)
load_demo(cases=int(os.environ.get("E2E_DEMO_CASES", "30")))
caseworker = User.objects.get(username="parking.caseworker1")
key = secrets.token_hex(20)
TOTPDevice.objects.filter(user=caseworker).delete()
TOTPDevice.objects.create(user=caseworker, name="e2e", key=key, confirmed=True)
print(json.dumps({"username": caseworker.username, "password": DEMO_PASSWORD, "totpKey": key}))
