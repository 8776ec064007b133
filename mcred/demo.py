"""The demo: the whole story on the embedded defaults, step by step, narrated; each step ends passed or failed
with its duration, and a step whose story depends on a failed one is not run.

An accreditation authority accredits a university on chain → the university defines a microcredential → offers
it to a learner, whose wallet scans the invitation → the learner holds it → an employer asks for it and gets a
report → the university revokes it (on chain) → the employer asks again → a learner stacks two institutions'
microcredentials into the larger credential they add up to.
"""

from __future__ import annotations

import secrets
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from agent.process import pid_alive

from . import scenario
from .samples import template_body
from .settings import StackSettings
from .stack import Stack, probe_state, read_state

Say = Callable[[str], None]

LEARNER = {"email": "anna.nowak@example.pl", "name": "Anna Nowak"}


class DemoStepFailed(Exception):
    """A step's check did not hold; the message says what was expected and what happened."""


def _checks(say: Say, request: dict[str, Any]) -> None:
    for check in request["report"]["credentials"][0]["checks"]:
        mark = {"passed": "✓", "failed": "✗", "skipped": "–"}[check["status"]]
        why = (check.get("problem") or {}).get("detail") or check.get("reason") or check.get("detail") or ""
        say(f"     {mark} {check['id']:<28} {why[:90]}")


async def run_demo(settings: StackSettings, *, keep: bool, say: Say) -> tuple[dict[str, Any], Stack | None]:
    """The summary, and with ``keep`` the stack still running (the caller stops it)."""
    stack = Stack(settings)
    steps: list[dict[str, Any]] = []
    summary: dict[str, Any] = {"steps": steps}
    story: dict[str, Any] = {}
    clients: dict[str, httpx.AsyncClient] = {}

    async def step(name: str, telling: str, action: Callable[[], Awaitable[dict[str, Any]]]) -> bool:
        say(f"\n== {telling}")
        started = time.monotonic()
        try:
            details = await action()
            status = "passed"
        except Exception as err:  # a failed step is reported, and the demo moves on to clean up
            details = {"error": f"{type(err).__name__}: {err}"}
            say("".join(traceback.format_exception_only(err)).strip())
            status = "failed"
        steps.append(
            {"name": name, "status": status, "seconds": round(time.monotonic() - started, 2), **details}
        )
        say(f"   -> {status}")
        return status == "passed"

    async def start() -> dict[str, Any]:
        components = await stack.up()
        for c in components.values():
            say(f"   {c.name:<16} {c.url:<28} ready in {c.startup_seconds:.2f} s")
        clients["issuer"] = httpx.AsyncClient(base_url=components["issuer"].url, timeout=60)
        clients["verifier"] = httpx.AsyncClient(base_url=components["verifier"].url, timeout=60)
        return {"components": {n: c.url for n, c in components.items()}}

    async def answers() -> dict[str, Any]:
        rows = await probe_state(read_state(stack.data_dir))
        for r in rows:
            say(f"   {r['name']:<16} answers: {r['answering']}   RSS {r['rss_bytes'] / 2**20:.0f} MB")
        silent = [r["name"] for r in rows if not r["answering"]]
        if silent:
            raise DemoStepFailed(f"not answering: {', '.join(silent)}")
        return {"rss_mb": {r["name"]: round(r["rss_bytes"] / 2**20, 1) for r in rows}}

    async def accreditation() -> dict[str, Any]:
        created = await clients["issuer"].post(
            "/v1/institutions",
            json={
                "name": "Uniwersytet Demonstracyjny",
                "country_code": "PL",
                "url": "https://uni.example.pl",
            },
            headers={"X-API-Key": stack.operator_key},
        )
        if created.status_code != 201:
            raise DemoStepFailed(f"the issuer did not register the university: {created.text}")
        university = created.json()
        story["university"] = university
        say(f"   the issuer registered {university['name']}: {university['did']}")
        say(f"   its status lists belong to chain account {university['chain_account']}")
        tx = await scenario.accredit_institution(stack, university)
        say(f"   the authority accredited it on chain for any scope, for a year: transaction {tx}")
        return {"institution_did": university["did"], "accreditation_tx": tx}

    async def define() -> dict[str, Any]:
        auth = {"X-API-Key": story["university"]["api_key"]}
        created = await clients["issuer"].post("/v1/templates", json=template_body(), headers=auth)
        if created.status_code != 201:
            raise DemoStepFailed(f"the template was refused: {created.text}")
        template = created.json()
        story["template"] = template
        definition = template["definition"]
        say(f'   "{definition["title"]["en"]}": {definition["ects"]} ECTS, EQF {definition["eqf_level"]},')
        say(f"   IQR {definition['iqr']['qualification_code']}, assessed by {definition['assessment_type']},")
        say(f"   {len(definition['learning_outcomes'])} learning outcomes — all eleven EU mandatory elements")
        return {"template_id": template["id"], "achievement_id": template["achievement_id"]}

    async def offer() -> dict[str, Any]:
        auth = {"X-API-Key": story["university"]["api_key"]}
        body = {"template_id": story["template"]["id"], "learner": LEARNER, "award": {"grade": "5.0"}}
        created = await clients["issuer"].post("/v1/offers", json=body, headers=auth)
        if created.status_code != 201:
            raise DemoStepFailed(f"the offer was refused: {created.text}")
        made = created.json()
        say(f"   the learner's page: {made['page_url']} (QR code and a didcomm:// link for a phone)")
        await scenario.wallet_scans(stack, made["invitation_url"])
        say("   the learner's wallet scanned the invitation")
        story["offer"] = await scenario.offer_until_final(clients["issuer"], auth, made["id"])
        if story["offer"]["state"] != "issued":
            raise DemoStepFailed(f"the offer ended {story['offer']['state']}: {story['offer']['error']}")
        return {"offer_id": made["id"], "credential_id": story["offer"]["credential_id"]}

    async def holds() -> dict[str, Any]:
        credential_id = story["offer"]["credential_id"]
        held = await stack.agents.agents["learner"].client.w3c_credentials()
        if not any(c["cred_value"]["id"] == credential_id for c in held):
            raise DemoStepFailed(f"{credential_id} is not in the learner's wallet")
        say(f"   the wallet holds {credential_id}, bound to {story['offer']['holder_did'][:40]}…")
        return {"credential_id": credential_id}

    async def verify(expect: str) -> dict[str, Any]:
        if "employer" not in story:
            story["employer"] = await scenario.register_employer(clients["verifier"], stack)
        criteria = {"achievement_id": story["template"]["achievement_id"]}
        request = await scenario.ask_and_answer(
            clients["verifier"], story["employer"], stack, criteria, purpose="Rekrutacja: analityk danych"
        )
        say(f"   report: {'verified' if request['verified'] else 'NOT verified'} ({request['state']})")
        _checks(say, request)
        failed = sorted(scenario.failures(request))
        if request["state"] != expect:
            raise DemoStepFailed(
                f"expected the request to end {expect}, it ended {request['state']}: {failed}"
            )
        return {"proof_request_id": request["id"], "verified": request["verified"], "failed_checks": failed}

    async def revoke() -> dict[str, Any]:
        auth = {"X-API-Key": story["university"]["api_key"]}
        offer_id = story["offer"]["id"]
        response = await clients["issuer"].post(
            f"/v1/credentials/{offer_id}/revoke", json={"reason": "exam irregularity found"}, headers=auth
        )
        if response.status_code != 202:
            raise DemoStepFailed(f"the revocation was refused: {response.text}")
        credential = await scenario.until_anchored(clients["issuer"], auth, offer_id, 1)
        change = credential["status"]["changes"][0]
        say(f"   revoked on chain: transaction {change['transaction']}, block {change['block']}")
        return {"revocation_tx": change["transaction"], "block": change["block"]}

    async def revoked_report() -> dict[str, Any]:
        result = await verify("rejected")
        if result["failed_checks"] != ["status.revocation"]:
            raise DemoStepFailed(f"expected status.revocation alone to fail, got {result['failed_checks']}")
        return result

    async def stacking() -> dict[str, Any]:
        issuer = clients["issuer"]
        two = await scenario.two_institutions(issuer, stack, "demo")
        say(f"   {two.a.institution['name']} and {two.b.institution['name']}, both accredited on chain;")
        say(f"   pathway \"{two.pathway['name']}\": A's microcredential + B's microcredential")
        email = "ola.wisniewska@example.pl"
        parts = [await scenario.holds(issuer, stack, who, email) for who in (two.a, two.b)]
        say("   the learner holds both parts; she claims the certificate with her wallet")
        decided = await scenario.claim(issuer, stack, two, email)
        if decided["state"] != "awarded":
            raise DemoStepFailed(f"the claim was {decided['state']}: {decided['outcome']}")
        whole = await scenario.offer_until_final(issuer, two.a.auth, decided["offer_id"])
        if whole["state"] != "issued":
            raise DemoStepFailed(f"the larger credential ended {whole['state']}: {whole['error']}")
        for part in decided["parts"]:
            say(
                f"   part {part['id']} ({part['name']}, {part['issuer'][:32]}…) digest {part['digest'][:20]}…"
            )
        say(f"   the larger credential {whole['credential_id']} is in the wallet")
        return {"larger_credential_id": whole["credential_id"], "parts": [p["credential_id"] for p in parts]}

    async def console() -> dict[str, Any]:
        """A member of staff each (administrators), with a password made for this run."""
        password = secrets.token_urlsafe(12)
        made = {}
        for who, client, auth in (
            ("registrar@uni.example.pl", "issuer", {"X-API-Key": story["university"]["api_key"]}),
            ("recruiter@employer.example.pl", "verifier", story.get("employer")),
        ):
            if auth is None:
                continue
            body = {
                "email": who,
                "name": who.split("@")[0].title(),
                "role": "administrator",
                "password": password,
            }
            answer = await clients[client].post("/v1/staff", json=body, headers=auth)
            if answer.status_code != 201:
                raise DemoStepFailed(f"the {client} did not make the console account {who}: {answer.text}")
            made[client] = who
            say(f"   {who} can sign in to {stack.components[client].url}/console")
        story["console"] = {"users": made, "password": password}
        return {"console_users": made}

    story_steps = [
        ("accredit university", "An accreditation authority accredits a university on chain", accreditation),
        (
            "define microcredential",
            "The university defines a microcredential (EU elements, IQR, EQF)",
            define,
        ),
        ("offer to learner", "It offers it to a learner; her wallet scans the invitation", offer),
        ("learner holds it", "The learner's wallet holds the credential", holds),
        ("employer verifies", "An employer asks for it and gets a report", lambda: verify("verified")),
        ("university revokes", "The university revokes it; the change is anchored on chain", revoke),
        ("employer asks again", "The employer asks again", revoked_report),
        ("stack microcredentials", "Two institutions' microcredentials stack into a larger one", stacking),
        (
            "console users",
            "The university's registrar and the employer's recruiter get console accounts",
            console,
        ),
    ]

    try:
        if await step("start stack", "Starting the local chain, three agents and both controllers", start):
            if await step("stack answers", "Checking that every part answers", answers):
                for name, telling, action in story_steps:
                    if not await step(name, telling, action):
                        break
            summary.update(
                {k: v for s in steps for k, v in s.items() if k.endswith(("_tx", "credential_id", "_did"))}
            )
            if keep:
                _tell_urls(say, stack, story)
                return summary, stack
    finally:
        for client in clients.values():
            await client.aclose()
    pids: dict[str, int] = {}

    async def stop() -> dict[str, Any]:
        pids.update({n: c.pid for n, c in stack.components.items()})
        await stack.down()
        return {}

    async def nothing_left() -> dict[str, Any]:
        left = [n for n, pid in pids.items() if pid_alive(pid)]
        if left:
            raise DemoStepFailed(f"still running after stop: {', '.join(left)}")
        return {"stopped": sorted(pids)}

    await step("stop stack", "Stopping everything", stop)
    await step("nothing left", "Checking that no process was left behind", nothing_left)
    return summary, None


def _tell_urls(say: Say, stack: Stack, story: dict[str, Any]) -> None:
    issuer, verifier = stack.components["issuer"].url, stack.components["verifier"].url
    say("\nThe stack keeps running (--keep). Open:")
    say(f"   issuer API docs        {issuer}/docs")
    say(f"   verifier API docs      {verifier}/docs")
    say(f"   verification page      {verifier}/verify")
    if "offer" in story:
        say(f"   the learner's offer    {issuer}/offers/{story['offer']['id']}")
    if "console" in story:
        users, password = story["console"]["users"], story["console"]["password"]
        for name, url in (("issuer", issuer), ("verifier", verifier)):
            if name in users:
                label = f"{name} console"
                say(f"   {label:<22} {url}/console  as {users[name]}, password {password}")
    keys = f"{stack.operator_key_path('issuer')}, {stack.operator_key_path('verifier')}"
    say(f"   operator keys          {keys}")
    say("Ctrl-C (or 'mcred down' from another shell) stops it.")
