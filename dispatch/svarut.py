"""A small client for KS Fiks SvarUt's REST API, as published in
fiks-svarut-specs (send v3, status v3) and fiks-svarut-klient (eksternref v2);
see ../shared/reference/svarut/README.md. Standard library only.

Every call carries three headers (README, "Authentication (v2/v3)"):
`Authorization: Bearer <Maskinporten access token, scope ks:fiks>`,
`IntegrasjonId` and `IntegrasjonPassord`.
"""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings


class SvarUtError(Exception):
    """SvarUt answered with an error (an ErrorMessage body): the shipment was
    not taken. `status` is the HTTP status."""

    def __init__(self, status: int, message: str, error_id: str = "") -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.error_id = error_id


class SvarUtUnavailable(Exception):
    """No answer, a broken connection, a timeout or a 5xx/429: SvarUt may or
    may not have acted on the call. Retry, after reconciling a send."""


@dataclass(frozen=True)
class SvarUtConfig:
    base_url: str
    account_id: str
    integration_id: str
    integration_password: str
    token: str = ""
    token_file: str = ""
    timeout: float = 16 * 60

    def access_token(self) -> str:
        # A file lets a sidecar renew the Maskinporten token; read every call.
        if self.token_file:
            return Path(self.token_file).read_text(encoding="utf-8").strip()
        return self.token


def config() -> SvarUtConfig | None:
    """The configured SvarUt account, or None: then every letter is printed."""
    values = {
        "base_url": settings.SVARUT_BASE_URL,
        "account_id": settings.SVARUT_ACCOUNT_ID,
        "integration_id": settings.SVARUT_INTEGRATION_ID,
        "integration_password": settings.SVARUT_INTEGRATION_PASSWORD,
    }
    if not all(values.values()):
        return None
    token, token_file = settings.SVARUT_MASKINPORTEN_TOKEN, settings.SVARUT_MASKINPORTEN_TOKEN_FILE
    if not (token or token_file):
        return None
    return SvarUtConfig(
        **values, token=token, token_file=token_file, timeout=float(settings.SVARUT_TIMEOUT_SECONDS)
    )


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class StatusReport:
    id: str
    status: str
    changed_at: str


def encode_multipart(shipment: dict[str, Any], documents: Sequence[Document]) -> tuple[bytes, str]:
    """The send body: the part `forsendelse` with the shipment JSON first,
    then one part per document in the order of `dokumenter`, each with the
    document's file name as `filename` (what SvarUt matches on; the part name
    is ignored, KS's own client uses filer_0, filer_1, …)."""
    boundary = f"boligkontoret-{secrets.token_hex(16)}"
    chunks: list[bytes] = []
    chunks.append(
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="forsendelse"\r\n'
            "Content-Type: application/json\r\n\r\n"
        ).encode()
    )
    chunks.append(json.dumps(shipment, ensure_ascii=False).encode("utf-8"))
    chunks.append(b"\r\n")
    for number, document in enumerate(documents):
        chunks.append(
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="filer_{number}"; filename="{document.filename}"\r\n'
                f"Content-Type: {document.mime_type}\r\n\r\n"
            ).encode()
        )
        chunks.append(document.content)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class SvarUtClient:
    def __init__(self, cfg: SvarUtConfig) -> None:
        self.cfg = cfg
        parsed = urllib.parse.urlsplit(cfg.base_url.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("SVARUT_BASE_URL must be an http(s) URL")
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = parsed.port
        self._prefix = parsed.path

    def _call(
        self, method: str, path: str, body: bytes | None = None, content_type: str = "", *, query: str = ""
    ) -> Any:
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        connection = cls(self._host, self._port, timeout=self.cfg.timeout)
        headers = {
            "Authorization": f"Bearer {self.cfg.access_token()}",
            "IntegrasjonId": self.cfg.integration_id,
            "IntegrasjonPassord": self.cfg.integration_password,
            "Accept": "application/json",
        }
        if content_type:
            headers["Content-Type"] = content_type
        url = self._prefix + path + (f"?{query}" if query else "")
        try:
            connection.request(method, url, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            raise SvarUtUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
        finally:
            connection.close()
        if response.status == 429 or response.status >= 500:
            raise SvarUtUnavailable(f"HTTP {response.status}: {_message(data)}")
        if response.status != 200:
            raise SvarUtError(response.status, _message(data), _error_id(data))
        try:
            return json.loads(data)
        except ValueError as exc:
            raise SvarUtUnavailable("SvarUt answered 200 without JSON") from exc

    def _account(self) -> str:
        return urllib.parse.quote(self.cfg.account_id, safe="")

    def send_to_person(self, shipment: dict[str, Any], documents: Sequence[Document]) -> str:
        """POST /v3/kontoer/{kontoId}/forsendelser/person → the shipment id."""
        body, content_type = encode_multipart(shipment, documents)
        answer = self._call("POST", f"/v3/kontoer/{self._account()}/forsendelser/person", body, content_type)
        return str(answer["id"])

    def statuses(self, ids: Sequence[str]) -> list[StatusReport]:
        """POST /v3/kontoer/{kontoId}/forsendelser/status/sok with {"id": [...]}."""
        body = json.dumps({"id": list(ids)}).encode()
        answer = self._call(
            "POST", f"/v3/kontoer/{self._account()}/forsendelser/status/sok", body, "application/json"
        )
        return [
            StatusReport(id=str(s["id"]), status=s["status"], changed_at=s["sisteStatusEndring"])
            for s in answer.get("statuser", [])
        ]

    def ids_for_external_reference(self, reference: str) -> list[str]:
        """GET /v2/kontoer/{kontoId}/forsendelser?eksternRef=… → every
        shipment id SvarUt holds under that reference (there is no v3 one)."""
        answer = self._call(
            "GET",
            f"/v2/kontoer/{self._account()}/forsendelser",
            query=urllib.parse.urlencode({"eksternRef": reference}),
        )
        return [str(i) for i in answer.get("forsendelseIds", [])]


def _parsed(data: bytes) -> dict[str, Any]:
    try:
        found = json.loads(data)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _message(data: bytes) -> str:
    found = _parsed(data)
    return str(found.get("message") or found.get("error") or data[:200].decode("utf-8", "replace"))


def _error_id(data: bytes) -> str:
    return str(_parsed(data).get("errorId") or "")
