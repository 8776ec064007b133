"""eddsa-rdfc-2022 (W3C vc-di-eddsa §3.3) and RDFC-1.0 canonicalisation: the spec's own vectors verify and
re-sign byte for byte; everything we emit is safe-mode JSON-LD whose canonical form pyoxigraph and pyld
agree on; undefined terms are refused wherever they hide."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from agent.contexts import ContextNotBundledError, bundle
from agent.dataintegrity import Canonicalizer, UnsafeDocumentError, canonicalizer, eddsa_rdfc_2022, multibase
from agent.dataintegrity.did_key import DidKeyError, did_key, public_key, verification_method
from common.microcredential import (
    Award,
    Institution,
    PartEvidence,
    Profile,
    StatusEntry,
    Template,
    build_credential,
    hashed_email,
    ob3_document,
)
from mcred.samples import template_body
from revocation.bitstring import Bitstring
from revocation.status_list import list_credential

LOGO = "https://uczelnia.example/logo.png"
VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "vc_di_eddsa"
EXAMPLE_CONTEXTS = {
    "https://www.w3.org/ns/credentials/examples/v2": "www.w3.org_ns_credentials_examples_v2.json",
    "https://w3id.org/citizenship/v4rc1": "w3id.org_citizenship_v4rc1.json",
}
CASES = [("eddsa-rdfc-2022", "unsigned.json"), ("eddsa-rdfc-2022/employ", "employmentAuth.json")]


def vector_canonicalizer() -> Canonicalizer:
    """Our bundle plus the two example contexts the spec's vectors use (never part of what we ship)."""
    extra = {url: (VECTORS / "contexts" / name).read_bytes() for url, name in EXAMPLE_CONTEXTS.items()}
    return Canonicalizer({**bundle().documents, **extra})


def _read(path: str) -> str:
    return (VECTORS / path).read_text()


@pytest.mark.parametrize(("folder", "unsigned"), CASES)
def test_spec_vectors_canonicalise_hash_and_verify(folder: str, unsigned: str) -> None:
    c = vector_canonicalizer()
    document = json.loads(_read(unsigned))
    config = json.loads(_read(f"{folder}/proofConfigDataInt.json"))
    canonical, proof_canonical = c.canonicalize_with(document, config)
    assert canonical == _read(f"{folder}/canonDocDataInt.txt")
    assert proof_canonical == _read(f"{folder}/proofCanonDataInt.txt")
    signed = json.loads(_read(f"{folder}/signedDataInt.json"))
    verified = eddsa_rdfc_2022.verify(c, signed, signed["proof"])
    assert verified.controller == "did:key:" + json.loads(_read("keyPair.json"))["publicKeyMultibase"]


@pytest.mark.parametrize(("folder", "unsigned"), CASES)
def test_spec_vectors_resign_byte_for_byte(folder: str, unsigned: str) -> None:
    c = vector_canonicalizer()
    seed = multibase.decode(json.loads(_read("keyPair.json"))["privateKeyMultibase"])[2:]  # 0x8026 prefix
    config = json.loads(_read(f"{folder}/proofConfigDataInt.json"))
    signing = eddsa_rdfc_2022.signing_input(
        c,
        json.loads(_read(unsigned)),
        verification_method=config["verificationMethod"],
        created=datetime.fromisoformat(config["created"]),
    )
    assert signing.data.hex() == _read(f"{folder}/combinedHashDataInt.txt")
    signed = eddsa_rdfc_2022.with_proof(
        json.loads(_read(unsigned)), signing, Ed25519PrivateKey.from_private_bytes(seed).sign(signing.data)
    )
    assert signed == json.loads(_read(f"{folder}/signedDataInt.json"))


@pytest.mark.parametrize("data", [bytes(64), b"\x00" + bytes(range(1, 64)), bytes(range(64))])
def test_base58btc_keeps_leading_zero_bytes(data: bytes) -> None:
    """A signature starting with 0x00 (one in 256) must come back 64 bytes long (py-multibase drops them)."""
    assert multibase.decode(multibase.encode(data)) == data


def test_did_key_round_trip_and_foreign_methods() -> None:
    did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert did_key(public_key(did)) == did
    assert public_key(verification_method(did)) == public_key(did)
    with pytest.raises(DidKeyError):
        public_key(did + "#key-2")  # no such method in a did:key document
    with pytest.raises(DidKeyError):
        public_key("did:web:example.org")
    with pytest.raises(DidKeyError):
        public_key("did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76")  # a P-256 key


# --- what we emit ---------------------------------------------------------------------------------------
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ISSUER = did_key(KEY.public_key().public_bytes_raw())
STATUS = [
    StatusEntry("revocation", "https://issuer.example/status-lists/r", 1234),
    StatusEntry("suspension", "https://issuer.example/status-lists/s", 42),
]


def emitted(profile: Profile, *, stacked: bool = False) -> dict:
    parts = [
        PartEvidence(
            id="urn:uuid:1", name="Part", issuer=ISSUER, achievement="urn:uuid:2", digest="sha256:00"
        )
    ]
    return build_credential(
        profile,
        template=Template.model_validate(template_body()),
        institution=Institution(
            did=ISSUER, name="Uczelnia", country_code="PL", identifiers={"REGON": "1"}, image=LOGO
        ),
        credential_id="urn:uuid:5f4c7f6e-0000-4000-8000-000000000001",
        achievement_id="urn:uuid:5f4c7f6e-0000-4000-8000-000000000002",
        subject_did="did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
        issued_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        status=STATUS,
        award=Award(grade="4.5", credits_earned=2.5, parts=parts if stacked else []),
        identifier=hashed_email("anna@example.pl", "s4lt"),
    )


def sign(document: dict) -> dict:
    signing = eddsa_rdfc_2022.signing_input(
        canonicalizer(), document, verification_method=verification_method(ISSUER)
    )
    return eddsa_rdfc_2022.with_proof(document, signing, KEY.sign(signing.data))


EMITTED = {
    "wallet": lambda: emitted(Profile.WALLET),
    "standard": lambda: ob3_document(sign(emitted(Profile.STANDARD))),
    "stacked wallet": lambda: emitted(Profile.WALLET, stacked=True),
    "stacked standard": lambda: ob3_document(sign(emitted(Profile.STANDARD, stacked=True))),
    "status list": lambda: sign(
        list_credential(
            "https://issuer.example/status-lists/r", ISSUER, "revocation", Bitstring(131072).encode()
        )
    ),
}


def _loader(url: str, options: dict) -> dict:
    return bundle().remote_document(url)


@pytest.mark.parametrize("kind", list(EMITTED))
def test_what_we_emit_drops_nothing_in_safe_mode(kind: str) -> None:
    """pyld's expansion reports every key it drops and leaves undefined types relative: neither may happen."""
    document = EMITTED[kind]()
    dropped: list = []
    expanded = jsonld.expand(document, {"documentLoader": _loader}, on_property_dropped=dropped.append)
    assert dropped == []
    types = json.dumps(expanded)
    assert '"@type": ["1EdTech' not in types and "example.org" not in types
    assert canonicalizer().canonicalize(document)  # and our fast path finds nothing undefined either


@pytest.mark.parametrize("kind", list(EMITTED))
def test_pyoxigraph_and_pyld_canonicalise_what_we_emit_identically(kind: str) -> None:
    document = {k: v for k, v in EMITTED[kind]().items() if k != "proof"}
    by_pyld = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader}
    )
    assert canonicalizer().canonicalize(document) == by_pyld


@pytest.mark.parametrize("kind", ["standard", "stacked standard", "status list"])
def test_what_we_sign_verifies(kind: str) -> None:
    document = EMITTED[kind]()
    proof = document["proof"][0] if isinstance(document["proof"], list) else document["proof"]
    assert eddsa_rdfc_2022.verify(canonicalizer(), document, proof).controller == ISSUER


def _tampered(change) -> dict:
    document = copy.deepcopy(EMITTED["standard"]())
    change(document)
    return document


TAMPERED = {
    "changed field": lambda d: d["credentialSubject"]["achievement"].update(assessmentType="none at all"),
    "changed proofValue": lambda d: d["proof"][0].update(proofValue="z" + "1" * 86),
    "wrong cryptosuite": lambda d: d["proof"][0].update(cryptosuite="eddsa-jcs-2022"),
    "wrong verificationMethod": lambda d: d["proof"][0].update(
        verificationMethod=verification_method("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
    ),
    "foreign fragment": lambda d: d["proof"][0].update(verificationMethod=ISSUER + "#key-1"),
    "proof purpose": lambda d: d["proof"][0].update(proofPurpose="authentication"),
}


@pytest.mark.parametrize("how", list(TAMPERED))
def test_tampered_credentials_fail(how: str) -> None:
    document = _tampered(TAMPERED[how])
    with pytest.raises(eddsa_rdfc_2022.ProofError):
        eddsa_rdfc_2022.verify(canonicalizer(), document, document["proof"][0])


# --- safe mode: the undefined is refused wherever it hides ----------------------------------------------
def test_an_undefined_property_is_refused_and_named() -> None:
    document = emitted(Profile.STANDARD)
    document["credentialSubject"]["achievement"]["secretGrade"] = "A+"
    with pytest.raises(UnsafeDocumentError) as caught:
        canonicalizer().canonicalize(document)
    assert "secretGrade" in caught.value.undefined


def test_an_undefined_type_is_refused() -> None:
    """The old standard profile's flaw: 1EdTechJsonSchemaValidator2019 without OB3's extensions context."""
    document = emitted(Profile.STANDARD)
    document["@context"] = [c for c in document["@context"] if not str(c).endswith("extensions.json")]
    with pytest.raises(UnsafeDocumentError) as caught:
        canonicalizer().canonicalize(document)
    assert "1EdTechJsonSchemaValidator2019" in caught.value.undefined


def test_a_relative_id_is_refused() -> None:
    document = emitted(Profile.STANDARD)
    document["id"] = "credentials/7"
    with pytest.raises(UnsafeDocumentError):
        canonicalizer().canonicalize(document)


def test_undefined_terms_under_a_cleared_context_are_refused() -> None:
    """VCDM 2.0's verifiableCredential clears the context: the sentinel cannot see below it, pyld does."""
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": {"type": ["VerifiableCredential"], "undefinedThing": 1},
    }
    with pytest.raises(UnsafeDocumentError):
        canonicalizer().canonicalize(presentation)


def test_a_context_we_do_not_ship_is_named() -> None:
    document = {
        **emitted(Profile.STANDARD),
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://x.example/v1"],
    }
    with pytest.raises(ContextNotBundledError) as caught:
        canonicalizer().canonicalize(document)
    assert caught.value.url == "https://x.example/v1"


def test_we_never_sign_what_verifiers_would_drop() -> None:
    document = {**emitted(Profile.STANDARD), "unsignedClaim": "trust me"}
    with pytest.raises(UnsafeDocumentError):
        eddsa_rdfc_2022.signing_input(
            canonicalizer(), document, verification_method=verification_method(ISSUER)
        )
