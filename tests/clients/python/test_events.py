"""Events through the official omise PyPI client, and a webhook verified as a
receiver would verify it.

Run by `cargo test` (tests/api/clients.rs), or by hand against any server:

    PAYLINK_URL=http://127.0.0.1:8080 PAYLINK_SECRET_KEY=skey_test_... \
    PAYLINK_PUBLIC_KEY=pkey_test_... PAYLINK_WEBHOOK_SECRET=... \
    python test_events.py

PAYLINK_WEBHOOK_SECRET is the base64 webhook secret of the secret key's
account and mode: the API never shows it, so whoever starts the server
passes it in. The webhook receiver is the standard library's http.server and
the signature is checked with hmac alone, as an integration without any
Omise code would check it.
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import queue
import threading
import time
import unittest

import omise
import omise.errors
import requests

# The setup and helpers of the link suite: one configuration for both.
from test_links import (  # noqa: F401 (setUpModule is run for this module too)
    BASE,
    SECRET_KEY,
    create_link,
    create_token,
    pay,
    setUpModule,
)

WEBHOOK_SECRET = os.environ["PAYLINK_WEBHOOK_SECRET"]
MISSING_EVENT = "evnt_test_" + "0" * 19

# The worker is woken by the commit that writes an event, so a delivery
# takes milliseconds; the bound only keeps a lost one from hanging the suite.
DELIVERY_WAIT = 10.0


def events_about(object_id):
    """Every event whose data is the object `object_id`, oldest first.

    Walks the whole list rather than the first page, which in chronological
    order holds the oldest events, not this test's.
    """
    return [event for event in omise.Event.list() if event.data.id == object_id]


def without_deliveries(event):
    """An event's JSON less its delivery attempts, which grow after each one."""
    return {k: v for k, v in event.items() if k != "webhook_deliveries"}


def signature_of(timestamp, body):
    """What the receiver expects: hex HMAC-SHA256 of "<timestamp>.<body>"."""
    key = base64.b64decode(WEBHOOK_SECRET)
    return hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Receiver:
    """A webhook endpoint on a free loopback port that keeps what it is sent."""

    def __init__(self):
        deliveries = self.deliveries = queue.Queue()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                deliveries.put((self.path, self.headers, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass  # the suite's output is the test report

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def uri(self):
        return "http://127.0.0.1:%d/webhooks" % self._server.server_address[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def delivery_of(self, event_key, object_id):
        """The first delivery of that event; others (retries, events of
        other tests) are passed over. Fails after DELIVERY_WAIT seconds."""
        deadline = time.monotonic() + DELIVERY_WAIT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    "no %s webhook for %s within %ss"
                    % (event_key, object_id, DELIVERY_WAIT)
                )
            try:
                path, headers, body = self.deliveries.get(timeout=left)
            except queue.Empty:
                continue
            event = json.loads(body)
            if event["key"] == event_key and event["data"]["id"] == object_id:
                return path, headers, body


def without_list_ends(obj):
    """The object without the `to` of its embedded lists: a list ends at the
    time it was shown, which for an event's data is the event's time and for
    a fresh read is now, a second apart at a second's boundary."""
    copy = dict(obj)
    for name in ("charges", "refunds"):
        if isinstance(copy.get(name), dict):
            copy[name] = {k: v for k, v in copy[name].items() if k != "to"}
    return copy


class EventTests(unittest.TestCase):
    def assert_event(self, event, key, data):
        self.assertIsInstance(event, omise.Event)
        self.assertTrue(event.id.startswith("evnt_test_"), event.id)
        self.assertEqual(event.object, "event")
        self.assertEqual(event.location, "/events/" + event.id)
        self.assertIs(event.livemode, False)
        self.assertEqual(event.key, key)
        self.assertIsInstance(event.created_at, str)
        self.assertEqual(event.webhook_deliveries, [], "no webhook URI is set")
        self.assertEqual(without_list_ends(event._attributes["data"]), without_list_ends(data))

    def test_creating_a_link_is_a_link_create_event(self):
        link = create_link()
        (event,) = events_about(link.id)
        self.assert_event(event, "link.create", link._attributes)
        self.assertIsInstance(event.data, omise.Link)

        again = omise.Event.retrieve(event.id)
        self.assertIsInstance(again, omise.Event)
        self.assertEqual(again._attributes, event._attributes)

    def test_each_charge_is_a_charge_create_event_with_the_charge_as_made(self):
        link = create_link(multiple=True)
        paid = pay(link, create_token())
        failed = pay(link, create_token("4111111111140011"))

        for charge_id, status in ((paid, "successful"), (failed, "failed")):
            charge = omise.Charge.retrieve(charge_id)
            self.assertEqual(charge.status, status)
            # The charge's own list, as the client reads it.
            (event,) = list(charge.list_events())
            self.assert_event(event, "charge.create", charge._attributes)
            self.assertIsInstance(event.data, omise.Charge)
            self.assertEqual(event.data.link, link.id)
            again = omise.Event.retrieve(event.id)
            self.assertEqual(again._attributes, event._attributes)
            self.assertEqual([e.id for e in events_about(charge_id)], [event.id])

    def test_an_event_keeps_the_link_as_it_was_created(self):
        link = create_link()
        pay(link, create_token())
        link.reload()
        self.assertIs(link.used, True)

        (event,) = events_about(link.id)
        self.assertIs(event.data.used, False)
        self.assertIsNone(event.data.used_at)
        self.assertEqual(event.data.charges.total, 0)

    def test_retrieve_without_an_id_gives_the_first_page_of_events(self):
        link = create_link()
        page = omise.Event.retrieve()
        self.assertIsInstance(page, omise.Collection)
        self.assertEqual(page.location, "/events")
        self.assertEqual(page.limit, 20)
        self.assertEqual(page.offset, 0)
        self.assertGreaterEqual(page.total, 1)
        self.assertEqual(len(page), min(page.total, 20))
        self.assertTrue(all(isinstance(item, omise.Event) for item in page))

        everything = list(omise.Event.list())
        self.assertEqual(len(everything), page.total)
        self.assertEqual([e.id for e in page], [e.id for e in everything[:20]])
        self.assertIn(link.id, [e.data.id for e in everything])

    def test_a_missing_event_raises_not_found(self):
        with self.assertRaises(omise.errors.NotFoundError) as raised:
            omise.Event.retrieve(MISSING_EVENT)
        self.assertEqual(
            str(raised.exception), "event %s was not found" % MISSING_EVENT
        )


class WebhookTests(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver().__enter__()
        self.addCleanup(self.receiver.__exit__)
        # PATCHes the account's `location`, "/account", with JSON.
        account = omise.Account.retrieve().update(webhook_uri=self.receiver.uri)
        self.assertEqual(account.webhook_uri, self.receiver.uri)
        # Off again first, so no later event is sent to a closed port.
        self.addCleanup(lambda: omise.Account.retrieve().update(webhook_uri=""))

    def test_a_link_create_webhook_is_signed_with_the_account_secret(self):
        link = create_link()
        path, headers, body = self.receiver.delivery_of("link.create", link.id)

        self.assertEqual(path, "/webhooks")
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        timestamp = headers["Omise-Signature-Timestamp"]
        self.assertTrue(timestamp.isdigit(), timestamp)
        self.assertLess(abs(int(timestamp) - time.time()), 300, "a fresh timestamp")
        signatures = headers["Omise-Signature"].split(",")
        self.assertEqual(len(signatures), 1, "one secret: it was never rolled")
        expected = signature_of(timestamp, body)
        self.assertTrue(hmac.compare_digest(signatures[0], expected))
        # A check that passes whatever it is given would prove nothing.
        self.assertNotEqual(signature_of(timestamp, body + b" "), signatures[0])
        self.assertNotEqual(signature_of(str(int(timestamp) + 1), body), signatures[0])

        sent = json.loads(body)
        self.assertEqual(sent["key"], "link.create")
        self.assertEqual(sent["data"], link._attributes)
        self.assertEqual(sent["webhook_deliveries"], [], "the first attempt")
        event = omise.Event.retrieve(sent["id"])
        self.assertEqual(
            without_deliveries(sent), without_deliveries(event._attributes)
        )

    def test_the_delivery_is_recorded_on_the_event(self):
        link = create_link()
        _, _, body = self.receiver.delivery_of("link.create", link.id)
        event_id = json.loads(body)["id"]

        # The worker records the attempt once the receiver has answered.
        deadline = time.monotonic() + DELIVERY_WAIT
        while not omise.Event.retrieve(event_id).webhook_deliveries:
            self.assertLess(time.monotonic(), deadline, "the attempt is recorded")
            time.sleep(0.05)
        (delivery,) = omise.Event.retrieve(event_id).webhook_deliveries
        self.assertEqual(delivery["object"], "webhook_delivery")
        self.assertTrue(delivery["id"].startswith("whdl_test_"), delivery["id"])
        self.assertEqual(delivery["uri"], self.receiver.uri)
        self.assertEqual(delivery["status"], 204)
        self.assertIsNone(delivery["error"])
        self.assertEqual(delivery["key"], "link.create")

    def test_a_form_patch_without_the_client_moves_the_webhook(self):
        # As curl would send it: a form body, the secret key as the user.
        moved = self.receiver.uri + "?via=form"
        response = requests.patch(
            BASE + "account", data={"webhook_uri": moved}, auth=(SECRET_KEY, "")
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["webhook_uri"], moved)
        self.assertEqual(omise.Account.retrieve().webhook_uri, moved)

        link = create_link()
        path, _, _ = self.receiver.delivery_of("link.create", link.id)
        self.assertEqual(path, "/webhooks?via=form")


if __name__ == "__main__":
    unittest.main(verbosity=2)
