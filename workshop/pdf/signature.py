"""Digital signatures on finished PDFs: PAdES-B-B with pyHanko, and checking one.

An installation that holds a PKCS#12 key (see ``workshop.pdf.signing``) signs its
certificates after they are drawn. The signature is an incremental update: the PDF/A document
is left byte for byte as it was and the signature, its form field and the updated metadata are
appended, so the file stays PDF/A-2 (pyHanko updates the XMP and Info dates together).

Only RSA keys are accepted: with an elliptic-curve key pyHanko declares the file PDF 2.0
(ISO 32002), and PDF/A-2 allows no version above 1.7.

:func:`check_signature` is what the public verification page uses on an uploaded file: is the
signature intact, does it cover the whole file (nothing added after signing), and was it made
with this installation's certificate (or one its chain vouches for)?
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

log = logging.getLogger(__name__)

FIELD_NAME = "Signature"
DIGEST = "sha256"


class SigningKeyError(ValueError):
    """The configured key cannot be used (unreadable, wrong password, not RSA)."""


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses the private key again for every signature (twice per
    document, with its size estimate), which with RSA's key checks costs ~100 ms a time:
    this one keeps the parsed key."""

    def __init__(self, key: RSAPrivateKey, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15":
            return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class SigningKey:
    """A loaded signing key with its certificate and the certificates that vouch for it."""

    signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...]

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate, as shown to whoever checks a file."""
        return hashlib.sha256(self.certificate.dump()).hexdigest()

    @property
    def subject(self) -> str:
        return str(self.certificate.subject.human_friendly)

    @cached_property
    def reserved(self) -> int:
        """Bytes to set aside for the signature container: the certificates, the signature
        and the signed attributes, with room to spare. Giving pyHanko this skips its dry-run
        signature (half the cost of signing)."""
        certificates = sum(len(c.dump()) for c in (self.certificate, *self.chain))
        size = certificates + 2 * self.certificate.public_key.byte_size + 4096
        return -(-size // 1024) * 1024


def load_signing_key(path: str, password: str) -> SigningKey:
    """Read a PKCS#12 file (.p12/.pfx) holding an RSA key, its certificate and, optionally,
    the certificates of its chain."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise SigningKeyError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(
            data, password.encode("utf-8") if password else None
        )
    except ValueError as exc:
        raise SigningKeyError(f"{path}: wrong password or not a PKCS#12 file ({exc})") from exc
    if key is None or certificate is None:
        raise SigningKeyError(f"{path} holds no private key with its certificate")
    if not isinstance(key, RSAPrivateKey):
        raise SigningKeyError(
            f"{path} holds a {type(key).__name__.removesuffix('PrivateKey')} key: only RSA keys "
            "keep the signed file PDF/A-2 (an elliptic-curve signature makes it PDF 2.0)"
        )
    der = serialization.Encoding.DER
    own = asn1_x509.Certificate.load(certificate.public_bytes(der))
    chain = tuple(asn1_x509.Certificate.load(c.public_bytes(der)) for c in extra or ())
    signer = _KeptKeySigner(
        key,
        signing_cert=own,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs([own, *chain]),
    )
    return SigningKey(signer, own, chain)


def sign_pdf(data: bytes, key: SigningKey, reason: str, location: str = "") -> bytes:
    """``data`` with a PAdES-B-B signature appended as an incremental update."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm=DIGEST,
        reason=reason or None,
        location=location or None,
    )
    pdf_signer = signers.PdfSigner(meta, key.signer)
    try:
        out = pdf_signer.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data)), bytes_reserved=key.reserved
        )
    except SigningError:  # the estimate was short (an unusually long chain): let pyHanko size it
        log.warning("signature container larger than %d bytes; measuring it", key.reserved)
        out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)))
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """What an uploaded file's signature says."""

    readable: bool  # a PDF pyHanko could read
    signed: bool = False  # it carries a signature
    intact: bool = False  # the signed bytes are unchanged
    whole_file: bool = False  # the signature covers the file to its last byte
    trusted: bool = False  # the signer's certificate is ours, or our chain vouches for it
    ours: bool = False  # made with this installation's certificate
    signer: str = ""
    signed_at: datetime | None = None
    keywords: str = ""  # the signed document's Info /Keywords (certificate or transcript codes)
    subject: str = ""  # its Info /Subject (a transcript's names its code)

    @property
    def valid(self) -> bool:
        """Made by this installation and not changed since, by a single byte."""
        return self.signed and self.intact and self.whole_file and self.trusted and self.ours


def check_signature(data: bytes, key: SigningKey | None) -> SignatureCheck:
    """Check the last signature of ``data`` against ``key``'s certificate and chain (no
    network: revocation is not looked up)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # anything unreadable is "not a PDF we can check"
        return SignatureCheck(readable=False)
    if not signatures:
        return SignatureCheck(readable=True)
    embedded = signatures[-1]
    roots = [key.certificate, *key.chain] if key is not None else []
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(embedded, context)
    except Exception:  # a malformed signature is a broken one
        log.info("signature could not be validated", exc_info=True)
        return SignatureCheck(readable=True, signed=True)
    certificate = status.signing_cert
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    keywords = subject = ""
    if whole:
        try:
            info = reader.trailer_view["/Info"]
            keywords = str(info.get("/Keywords", ""))
            subject = str(info.get("/Subject", ""))
        except Exception:  # no Info dictionary: no codes
            keywords = subject = ""
    return SignatureCheck(
        readable=True,
        signed=True,
        intact=bool(status.intact and status.valid),
        whole_file=whole,
        trusted=bool(status.trusted),
        ours=key is not None and certificate.dump() == key.certificate.dump(),
        signer=str(certificate.subject.human_friendly),
        signed_at=status.signer_reported_dt,
        keywords=keywords,
        subject=subject,
    )
