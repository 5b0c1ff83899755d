"""A small in-process fake of the Stripe API, for the real `stripe` SDK to talk to.

There is no Stripe mock package in the registries, so tests start this HTTP server on a
free local port and point the SDK at it (settings.STRIPE_API_BASE). It implements what the
portal uses: creating and retrieving Checkout Sessions. Requests are recorded so tests can
check what the SDK actually sent (parameters, API key, idempotency key).
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import stripe


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


@dataclass
class FakeStripe:
    url: str = ""
    api_key: str = "sk_test_fake"
    requests: list[dict] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)
    fail_next: int = 0  # answer this many requests with HTTP 500 first

    def session_created(self) -> dict:
        return next(r for r in self.requests if r["path"] == "/v1/checkout/sessions")


def _handler(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", "req_" + secrets.token_hex(6))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                self._send(
                    401,
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "message": "Invalid API Key provided",
                        }
                    },
                )
                return False
            return True

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            params = _nest(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            fake.requests.append(
                {
                    "method": "POST",
                    "path": self.path,
                    "params": params,
                    "idempotency_key": self.headers.get("Idempotency-Key"),
                    "authorization": self.headers.get("Authorization"),
                }
            )
            if not self._authorised():
                return
            if fake.fail_next > 0:
                fake.fail_next -= 1
                self._send(500, {"error": {"type": "api_error", "message": "boom"}})
                return
            if self.path != "/v1/checkout/sessions":
                self._send(404, {"error": {"type": "invalid_request_error", "message": "no route"}})
                return
            # Stripe replays the first answer for a repeated idempotency key.
            key = self.headers.get("Idempotency-Key")
            for existing in fake.sessions.values():
                if key and existing.get("_idempotency_key") == key:
                    self._send(200, {k: v for k, v in existing.items() if not k.startswith("_")})
                    return
            items = params.get("line_items", [])
            amount = sum(
                int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items
            )
            session_id = "cs_test_" + secrets.token_hex(12)
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": amount,
                "currency": items[0]["price_data"]["currency"] if items else "cny",
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}),
                "payment_method_types": params.get("payment_method_types", []),
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "payment_intent": None,
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "created": int(time.time()),
                "_idempotency_key": key,
            }
            fake.sessions[session_id] = session
            self._send(200, {k: v for k, v in session.items() if not k.startswith("_")})

        def do_GET(self):
            fake.requests.append({"method": "GET", "path": self.path})
            if not self._authorised():
                return
            prefix = "/v1/checkout/sessions/"
            session = fake.sessions.get(self.path.removeprefix(prefix).split("?")[0])
            if not self.path.startswith(prefix) or session is None:
                self._send(
                    404,
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "message": "No such checkout.session",
                        }
                    },
                )
                return
            self._send(200, {k: v for k, v in session.items() if not k.startswith("_")})

    return Handler


class FakeStripeServer:
    def __init__(self) -> None:
        self.fake = FakeStripe()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeStripe:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def paid_session_event(
    session: dict,
    *,
    event_id: str | None = None,
    payment_intent: str | None = None,
    event_type: str = "checkout.session.completed",
) -> dict:
    """The event Stripe sends when a Checkout Session has been paid."""
    obj = {k: v for k, v in session.items() if not k.startswith("_")}
    obj.update(
        status="complete",
        payment_status="paid",
        payment_intent=payment_intent or "pi_" + secrets.token_hex(10),
    )
    return {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }


def refund_event(*, payment_intent: str, amount: int, currency: str = "cny") -> dict:
    return {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": "ch_" + secrets.token_hex(10),
                "object": "charge",
                "payment_intent": payment_intent,
                "amount": amount,
                "amount_refunded": amount,
                "currency": currency,
                "refunded": True,
            }
        },
    }


def sign(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value, computed with the SDK's own helper."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    return f"t={timestamp},v1={signature}"
