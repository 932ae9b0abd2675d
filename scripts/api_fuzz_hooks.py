"""Schemathesis hooks for scripts/api-fuzz.sh: every request of the run that uses them is made
with a fresh administrator's token, so operations that end a token or an account (logout,
logout-all, password change, deactivation, a role change) never end the token the rest of the
fuzzing uses. Accounts are made with the `campus` CLI against the server's own database."""

import json
import os
import secrets
import subprocess
import urllib.request

import schemathesis

BASE = os.environ["API_FUZZ_BASE"]
CLI = json.loads(os.environ["API_FUZZ_CLI"])  # the command line up to the subcommand


@schemathesis.auth(refresh_interval=None)
class ThrowawayAdmin:
    def get(self, case, ctx):
        name = "fz" + secrets.token_hex(6)
        password = "Throwaway-1!" + secrets.token_hex(8)
        made = subprocess.run(
            CLI + ["user", "create", "--role", "admin", "--username", name, "--password-stdin"],
            input=password + "\n", text=True, capture_output=True,
        )
        if made.returncode != 0:
            raise RuntimeError(f"campus user create failed: {made.stderr}")
        body = json.dumps({"login": name, "password": password}).encode()
        request = urllib.request.Request(
            BASE + "/api/v1/auth/login", data=body, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["access_token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
