"""The checks, in the order they run. Ids are stable: reports, tests and clients name checks by them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.dataintegrity import eddsa_rdfc_2022
from agent.errors import AgentError, AgentServerError, AgentTimeoutError, AgentUnavailableError
from common.microcredential import (
    EU_MANDATORY_ELEMENTS,
    agent_document,
    missing_eu_elements,
    ob3_schema_errors,
    part_digest,
)
from revocation.accreditation import accrediting
from revocation.errors import ChainError, ChainUnavailableError

from .pipeline import Check, Outcome, PortUnavailable, Status, failed, passed, run_checks, skipped
from .proofs import agent_errors, check_proof, single_proof
from .sources import ForeignListError
from .subject import StatusSource, Subject

REQUIRED = ("@context", "type", "issuer", "credentialSubject")


async def structure(s: Subject) -> Outcome:
    missing = [name for name in REQUIRED if not s.credential.get(name)]
    if missing:
        return failed("Not a credential", f"missing {', '.join(missing)}")
    if "VerifiableCredential" not in (s.credential.get("type") or []):
        return failed("Not a credential", "type does not include VerifiableCredential")
    if not s.credential.get("proof"):
        return failed("Unsigned", "the credential carries no proof")
    if not s.issuer_did:
        return failed("No issuer", "the credential names no issuer id")
    return passed(f"a {s.profile}-profile credential from {s.issuer_did}", profile=s.profile)


async def signature(s: Subject) -> Outcome:
    """The credential's proof by its suite (``proofs.check_proof``), and a presentation's proof through the
    agent, which also checks the credentials it can (the older suites), once for all of them."""
    if s.presentation is None:
        return await _credential_signed(s)
    outcome = await _presentation_verified(s, s.presentation)
    if eddsa_rdfc_2022.is_this_suite(single_proof(s.credential)):
        credential = await _credential_signed(s)
        if credential.status is not Status.PASSED:
            return credential
    else:
        held = s.presentation.get("verifiableCredential") or []
        held = held if isinstance(held, list) else [held]
        position = next((n for n, c in enumerate(held) if c is s.credential), None)
        results = outcome.get("credential_results") or []
        mine = results[position] if position is not None and position < len(results) else outcome
        if not mine.get("verified"):
            return await _not_signed(s, agent_errors(mine) or "the credential's proof does not verify")
    if not (outcome.get("presentation_result") or outcome).get("verified"):
        detail = agent_errors(outcome.get("presentation_result") or outcome)
        return failed("Invalid presentation", detail or "the presentation's proof does not verify")
    return passed("the issuer's and the presenter's signatures verify", suite=_suite_of(s.credential))


async def _credential_signed(s: Subject) -> Outcome:
    proof = await check_proof(s.ports.agent, s.credential, s.issuer_did)
    if not proof.verified:
        if proof.unknown_context:
            return failed(
                "Unknown context",
                f"a context this verifier does not know (it works offline): {proof.unknown_context}",
                suite=proof.suite,
            )
        if proof.in_process:  # every context it needed was found, or it would have said which
            return failed("Invalid signature", f"{proof.suite}: {proof.detail}", suite=proof.suite)
        return await _not_signed(s, f"{proof.suite}: {proof.detail}", suite=proof.suite)
    return passed(f"{proof.suite}: {proof.detail}", suite=proof.suite)


def _suite_of(credential: dict) -> str:
    proof = single_proof(credential) or {}
    return str(proof.get("cryptosuite") or proof.get("type") or "unknown")


async def _presentation_verified(s: Subject, presentation: dict[str, Any]) -> dict:
    if "presentation" not in s.memo:
        options = {"challenge": _proof(presentation).get("challenge") or s.challenge or ""}
        try:
            s.memo["presentation"] = await s.ports.agent.verify_presentation(
                agent_document(presentation), options
            )
        except (AgentUnavailableError, AgentTimeoutError, AgentServerError) as err:
            raise PortUnavailable(f"the agent that checks presentations cannot be reached: {err}") from err
        except AgentError as err:
            s.memo["presentation"] = {"verified": False, "errors": [err.detail]}
    return s.memo["presentation"]


async def _not_signed(s: Subject, detail: str, **facts) -> Outcome:
    unknown = await _unknown_contexts(s)
    if unknown:
        named = ", ".join(unknown)
        return failed(
            "Unknown context", f"contexts this verifier does not know (it works offline): {named}", **facts
        )
    return failed("Invalid signature", detail, **facts)


async def _unknown_contexts(s: Subject) -> list[str]:
    """Only to say why a signature failed: the agent knows our bundle and the contexts ACA-Py ships."""
    if "contexts" not in s.memo:
        try:
            s.memo["contexts"] = set(await s.ports.agent.bundled_contexts())
        except AgentError:
            s.memo["contexts"] = None
    known = s.memo["contexts"]
    contexts = s.credential.get("@context") or []
    return [c for c in contexts if isinstance(c, str) and known is not None and c not in known]


def _proof(document: dict) -> dict:
    proof = document.get("proof") or {}
    if isinstance(proof, list):
        proof = proof[0] if proof else {}
    return proof if isinstance(proof, dict) else {}


async def challenge(s: Subject) -> Outcome:
    if s.presentation is None:
        return skipped("a credential on its own, not a presentation")
    if s.challenge is None:
        return skipped("no challenge was asked for (a presentation someone sent, not an answer to a request)")
    got = _proof(s.presentation).get("challenge")
    if got != s.challenge:
        return failed("Wrong challenge", f"the presentation answers challenge {got!r}, not this request's")
    return passed("the presentation answers this request's challenge")


async def domain(s: Subject) -> Outcome:
    if s.presentation is None or s.domain is None:
        return skipped("no domain was asked for")
    got = _proof(s.presentation).get("domain")
    if got is None:
        return skipped(
            "the wallet did not echo the domain (ACA-Py 1.7 holders drop it); the challenge binds it"
        )
    if got != s.domain:
        return failed("Wrong domain", f"the presentation was made for {got!r}, not {s.domain!r}")
    return passed(f"made for {s.domain}")


async def holder_binding(s: Subject) -> Outcome:
    """Who signed the presentation controls the credential's subject DID (the agent does not check this)."""
    if s.presentation is None:
        return skipped("a credential on its own proves nothing about who presents it")
    subject_did = s.subject.get("id")
    if not subject_did:
        return failed("Bearer credential", "the credential names no subject DID to bind the presenter to")
    method = str(_proof(s.presentation).get("verificationMethod") or "")
    presenter = method.split("#", 1)[0]
    if presenter != subject_did:
        return failed("Not the holder", f"presented by {presenter or 'nobody'}, issued to {subject_did}")
    holder = s.presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if holder and holder != subject_did:
        return failed("Not the holder", f"the presentation names holder {holder}, issued to {subject_did}")
    return passed(f"presented by its subject {subject_did}")


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def validity(s: Subject) -> Outcome:
    now = s.ports.clock()
    start_raw = s.issued_at
    end_raw = s.credential.get("validUntil") or s.credential.get("expirationDate")
    start, end = _parse(start_raw), _parse(end_raw)
    if (start_raw and start is None) or (end_raw and end is None):
        return failed("Unreadable dates", f"validFrom/issuanceDate {start_raw!r}, validUntil {end_raw!r}")
    if start is None:
        return failed("No issuance date", "the credential has neither validFrom nor issuanceDate")
    if now < start:
        return failed("Not yet valid", f"valid from {start_raw}, it is {now:%Y-%m-%dT%H:%M:%SZ}")
    if end is not None and now >= end:
        if s.criteria is not None and not s.criteria.not_expired:
            return passed(f"expired on {end_raw}; the request accepts expired credentials", expired=True)
        return failed("Expired", f"valid until {end_raw}, it is {now:%Y-%m-%dT%H:%M:%SZ}")
    return passed(f"valid from {start_raw}" + (f" until {end_raw}" if end_raw else ", no end"))


async def _list(s: Subject, source: StatusSource, url: str):
    """A status list as the chain says. All the credential's lists are read at once, once per verification
    (the status checks and the consistency check share them); a list that cannot be read raises why."""
    if "lists" not in s.memo:
        urls = {e.get("statusListCredential") for e in s.status_entries}
        listed = sorted(u for u in urls if isinstance(u, str))
        s.memo["lists"] = await source.read(listed, s.issuer_did)
    view = s.memo["lists"].get(url)
    if view is None:
        raise LookupError(f"{url!r} is not a status list URL")
    if isinstance(view, Exception):
        raise view
    return view


def _status_check(purpose: str, said: str):
    async def check(s: Subject) -> Outcome:
        entries = [e for e in s.status_entries if e.get("statusPurpose") == purpose]
        if not entries:
            return skipped(f"the credential has no {purpose} status entry")
        if (source := s.ports.status) is None:
            return failed(
                "Status unknown", "this verifier has no chain configured: the status cannot be read"
            )
        entry = entries[0]
        try:
            index = int(entry["statusListIndex"])
            view = await _list(s, source, entry["statusListCredential"])
        except (KeyError, ValueError, TypeError) as err:
            return failed("Unreadable status entry", f"{purpose} entry: {err!r}")
        except (ChainUnavailableError, OSError) as err:
            raise PortUnavailable(f"the chain cannot be reached to read the {purpose} list: {err}") from err
        except ForeignListError as err:
            return failed(
                "Not the issuer's list", f"the {purpose} list says nothing about this credential: {err}"
            )
        except (ChainError, LookupError) as err:
            return failed("Status unknown", f"the {purpose} list could not be read from the chain: {err}")
        facts = {"list": view.url, "index": index, "version": view.state.version, "read_from": view.source}
        # A token status list (an SD-JWT VC's) holds both purposes, at the entry's two positions.
        expected = "token" if entry.get("type") == "TokenStatusListEntry" else purpose
        if view.state.purpose.name.lower() != expected:
            return failed(
                "Wrong list", f"the list on chain is a {view.state.purpose.name.lower()} list", **facts
            )
        if not 0 <= index < view.bits.size:
            return failed("Unreadable status entry", f"index {index} is outside the list", **facts)
        if view.bits[index]:
            return failed(
                f"{said.capitalize()}",
                f"the credential is {said} (list version {view.state.version})",
                **facts,
            )
        return passed(f"not {said} (list version {view.state.version}, read from the {view.source})", **facts)

    return check


async def list_consistency(s: Subject) -> Outcome:
    """The published lists agree with the chain. A disagreement is reported (the status checks used the
    chain's bits regardless)."""
    if (source := s.ports.status) is None or not s.status_entries:
        return skipped("no status list to compare")
    problems, unavailable = [], []
    for entry in s.status_entries:
        try:
            view = await _list(s, source, entry["statusListCredential"])
        except Exception as err:  # noqa: BLE001 - the status checks report why; here it is only not compared
            unavailable.append(f"{entry.get('statusListCredential')}: {err}")
            continue
        if view.disagreement:
            problems.append(view.disagreement)
        elif view.unavailable:
            unavailable.append(view.unavailable)
        elif view.list_issuer != s.issuer_did:
            problems.append(f"{view.url} is signed by {view.list_issuer}, the credential by {s.issuer_did}")
    if problems:
        return failed("Published list disagrees with the chain", "; ".join(problems))
    if unavailable:
        return skipped("not compared (statuses were read from the chain alone): " + "; ".join(unavailable))
    return passed("every published list matches its commitment on chain and is signed by the issuer")


def _scope(s: Subject) -> str:
    codes = s.alignment_codes("ceterms:Credential")
    return codes[0] if codes else "any"


async def accreditation(s: Subject) -> Outcome:
    if s.ports.accreditation is None:
        return failed("Accreditation unknown", "this verifier has no chain configured")
    if not s.issuer_did:
        return failed("Accreditation unknown", "the credential names no issuer")
    issued = _parse(s.issued_at)
    if issued is None:
        return failed("Accreditation unknown", "the credential has no readable issuance date")
    scope = _scope(s)
    try:
        records = await s.ports.accreditation.history(s.issuer_did)
    except (ChainUnavailableError, OSError) as err:
        raise PortUnavailable(f"the chain cannot be reached to read IssuerRegistry: {err}") from err
    except ChainError as err:
        return failed("Accreditation unknown", f"IssuerRegistry could not be read: {err}")
    record = accrediting(records, scope, issued)
    if record is not None:
        return passed(
            f"accredited for {scope} on {issued:%Y-%m-%d}"
            f" (record {record.record}, until {record.valid_until:%Y-%m-%d})",
            account=record.account,
        )
    # In scope and window at issuance but not accrediting: each of these was withdrawn.
    withdrawals = [(r.revoked_at, r.for_cause) for r in records if r.covers(scope, issued) and r.revoked_at]
    for_cause = [moment for moment, cause in withdrawals if cause]
    if for_cause:
        withdrawn = min(for_cause)
        return failed(
            "Accreditation withdrawn for cause",
            f"accredited for {scope} on {issued:%Y-%m-%d}, but withdrawn for cause on {withdrawn:%Y-%m-%d}: "
            "that voids what it covered",
        )
    if withdrawals:  # ordinary withdrawals, all before the credential was issued
        withdrawn = max(moment for moment, _ in withdrawals)
        return failed(
            "Not accredited",
            f"{s.issuer_did}'s accreditation for {scope} ended on {withdrawn:%Y-%m-%d}, before it issued "
            f"this on {issued:%Y-%m-%d}",
        )
    return failed(
        "Not accredited",
        f"{s.issuer_did} was not accredited for {scope} on {issued:%Y-%m-%d} ({len(records)} records)",
    )


async def schema(s: Subject) -> Outcome:
    if s.profile != "standard":
        return skipped("the wallet profile (VCDM 1.1) is not what the OB 3.0.3 JSON Schema describes")
    errors = ob3_schema_errors(s.credential)
    if errors:
        return failed("Not valid OB 3.0", "; ".join(errors[:5]))
    return passed("valid against the OB 3.0.3 AchievementCredential JSON Schema")


async def eu_elements(s: Subject) -> Outcome:
    missing = missing_eu_elements(s.credential)
    if missing:
        named = ", ".join(EU_MANDATORY_ELEMENTS[m] for m in missing)
        return failed("Not an EU microcredential", f"missing: {named}")
    return passed("all eleven EU mandatory elements are present")


async def criteria(s: Subject) -> Outcome:
    asked = s.criteria
    if asked is None:
        return skipped("nothing in particular was asked for")
    unmet = []
    if asked.achievement_id and s.achievement.get("id") != asked.achievement_id:
        unmet.append(f"achievement {asked.achievement_id}")
    if asked.iqr_code and asked.iqr_code not in s.alignment_codes("ceterms:Credential") + s.alignment_codes(
        "ext:LearningOutcomeSet"
    ):
        unmet.append(f"IQR code {asked.iqr_code}")
    if asked.min_eqf_level and (s.eqf_level or 0) < asked.min_eqf_level:
        unmet.append(f"EQF level ≥ {asked.min_eqf_level} (it is {s.eqf_level})")
    if unmet:
        return failed("Not what was asked for", "asked for " + ", ".join(unmet))
    return passed("meets what was asked for")


def _recorded_parts(s: Subject) -> list[dict]:
    evidence = s.credential.get("evidence") or []
    return [e for e in evidence if isinstance(e, dict) and "partDigest" in e]


async def parts_recorded(s: Subject) -> Outcome:
    """A larger credential names each part it was built on (id, issuer, achievement, digest)."""
    parts = _recorded_parts(s)
    if not parts:
        return skipped("not a larger credential: it records no parts")
    incomplete = [
        str(e.get("id")) for e in parts if not (e.get("id") and e.get("partIssuer") and e.get("partDigest"))
    ]
    if incomplete:
        return failed(
            "Parts incompletely recorded", f"parts without id, issuer or digest: {', '.join(incomplete)}"
        )
    named = "; ".join(f"{e.get('name')} from {e['partIssuer']}" for e in parts)
    return passed(
        f"built on {len(parts)} parts: {named}",
        parts=[{"id": e["id"], "issuer": e["partIssuer"], "digest": e["partDigest"]} for e in parts],
    )


async def parts_valid(s: Subject) -> Outcome:
    """When the parts are presented too: each is the one recorded (same digest) and passes the pipeline."""
    parts = _recorded_parts(s)
    if not parts:
        return skipped("not a larger credential: it records no parts")
    held = (s.presentation or {}).get("verifiableCredential") or []
    presented = {c.get("id"): c for c in (held if isinstance(held, list) else [held]) if isinstance(c, dict)}
    if not any(part.get("id") in presented for part in parts):
        return skipped("its parts were not presented with it; they are reported as recorded")
    problems = []
    for part in parts:
        credential = presented.get(part.get("id"))
        if credential is None:
            problems.append(f"{part.get('id')} was not presented")
        elif part_digest(credential) != part["partDigest"]:
            problems.append(f"{part['id']} is not the credential recorded (digest differs)")
        else:
            report = await run_checks(CHECKS, Subject(credential, s.ports, memo={}))
            failed_ids = [c["id"] for c in report["checks"] if c["status"] == "failed"]
            if failed_ids:
                problems.append(f"{part['id']} fails {', '.join(failed_ids)}")
    if problems:
        return failed("A part does not hold", "; ".join(problems))
    return passed(f"all {len(parts)} parts presented, unchanged and valid")


CHECKS: list[Check] = [
    Check("credential.structure", True, structure, "a signed W3C credential with an issuer and a subject"),
    Check("proof.signature", True, signature, "the issuer's (and the presenter's) signature, by its suite"),
    Check("presentation.challenge", True, challenge, "the presentation answers this request's challenge"),
    Check("presentation.domain", True, domain, "the presentation was made for this verifier"),
    Check("holder.binding", True, holder_binding, "the presenter controls the credential's subject DID"),
    Check("validity.window", False, validity, "valid now: validFrom/issuanceDate and validUntil"),
    Check(
        "status.revocation", False, _status_check("revocation", "revoked"), "not revoked, read from the chain"
    ),
    Check(
        "status.suspension", False, _status_check("suspension", "suspended"), "not suspended, from the chain"
    ),
    Check(
        "status.list_consistency", False, list_consistency, "the published status lists agree with the chain"
    ),
    Check(
        "issuer.accreditation",
        False,
        accreditation,
        "accredited on chain when it issued, and not withdrawn for cause since",
    ),
    Check("schema.ob3", False, schema, "the standard profile is valid OB 3.0.3"),
    Check("microcredential.eu_elements", False, eu_elements, "all eleven EU mandatory elements"),
    Check("request.criteria", False, criteria, "the credential is what the employer asked for"),
    Check(
        "stack.parts_recorded", False, parts_recorded, "a larger credential names the parts it was built on"
    ),
    Check(
        "stack.parts_valid", False, parts_valid, "parts presented with it are the recorded ones, and valid"
    ),
]
