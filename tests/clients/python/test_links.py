"""The official omise PyPI client, unchanged, against a running paylink.

Run by `cargo test` (tests/api/clients.rs), or by hand against any server:

    PAYLINK_URL=http://127.0.0.1:8080 PAYLINK_SECRET_KEY=skey_test_... \
    PAYLINK_PUBLIC_KEY=pkey_test_... python test_links.py

The client is only configured, never patched: its module globals point it at
paylink, as a user would. Where a test looks at the requests the client
sent, it wraps requests' transport without changing what goes over the wire.
"""

import base64
import json
import os
import unittest
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import omise
import omise.errors
import requests

BASE = os.environ["PAYLINK_URL"].rstrip("/") + "/"
SECRET_KEY = os.environ["PAYLINK_SECRET_KEY"]
PUBLIC_KEY = os.environ["PAYLINK_PUBLIC_KEY"]
MISSING_LINK = "link_test_" + "0" * 19


def setUpModule():
    # The client joins paths onto these with urljoin: the trailing slash is
    # what keeps a base path, so users are told to write it.
    omise.api_main = BASE
    omise.api_vault = BASE
    omise.api_secret = SECRET_KEY
    omise.api_public = PUBLIC_KEY
    omise.api_version = None


def create_link(multiple=False, amount=100000):
    return omise.Link.create(
        amount=amount,
        currency="thb",
        title="Order-384",
        description="New Product",
        multiple=multiple,
    )


def create_token(number="4242424242424242"):
    return omise.Token.create(
        name="Somchai Prasert",
        number=number,
        expiration_month=12,
        expiration_year=2040,
        security_code="123",
    )


def pay(link, token):
    """Pays on the hosted page as a browser form would; returns the charge id."""
    response = requests.post(
        link.payment_uri, data={"token": token.id}, allow_redirects=False
    )
    assert response.status_code == 303, (response.status_code, response.text)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return query["charge"][0]


class Wire:
    """Records each request the client sends through requests."""

    def __init__(self):
        self._original = requests.sessions.Session.send
        self._patch = mock.patch.object(
            requests.sessions.Session,
            "send",
            autospec=True,
            side_effect=self._original,
        )

    def __enter__(self):
        self._mock = self._patch.__enter__()
        return self

    def __exit__(self, *exc):
        return self._patch.__exit__(*exc)

    def requests(self):
        return [call.args[1] for call in self._mock.call_args_list]


class LinkTests(unittest.TestCase):
    def test_create_a_single_use_link(self):
        link = create_link()
        self.assertIsInstance(link, omise.Link)
        self.assertTrue(link.id.startswith("link_test_"))
        self.assertEqual(link.object, "link")
        self.assertEqual(link.location, "/links/" + link.id)
        self.assertIs(link.livemode, False)
        self.assertEqual(link.amount, 100000)
        self.assertEqual(link.currency, "THB")
        self.assertEqual(link.title, "Order-384")
        self.assertEqual(link.description, "New Product")
        self.assertIs(link.multiple, False)
        self.assertIs(link.used, False)
        self.assertIs(link.deleted, False)
        self.assertIsNone(link.used_at)
        self.assertIsNone(link.deleted_at)
        self.assertTrue(link.payment_uri.startswith(BASE + "pay/"))
        self.assertIsInstance(link.charges, omise.Collection)
        self.assertEqual(len(link.charges), 0)
        self.assertEqual(link.charges.total, 0)
        self.assertEqual(link.charges.location, "/links/%s/charges" % link.id)

    def test_create_a_multiple_use_link(self):
        link = create_link(multiple=True)
        self.assertIsInstance(link, omise.Link)
        self.assertIs(link.multiple, True)
        self.assertIs(link.used, False)

    def test_retrieve_a_link_and_the_first_page_of_links(self):
        created = create_link(multiple=True)
        link = omise.Link.retrieve(created.id)
        self.assertIsInstance(link, omise.Link)
        for field in ("id", "amount", "currency", "title", "description",
                      "multiple", "used", "payment_uri", "created_at"):
            self.assertEqual(getattr(link, field), getattr(created, field), field)

        # Without an id, retrieve() answers the first page as a Collection.
        page = omise.Link.retrieve()
        self.assertIsInstance(page, omise.Collection)
        self.assertEqual(page.limit, 20)
        self.assertEqual(page.offset, 0)
        self.assertGreaterEqual(page.total, 1)
        self.assertEqual(len(page), min(page.total, 20))
        self.assertTrue(all(isinstance(item, omise.Link) for item in page))

    def test_len_of_the_lazy_list_asks_for_one_link_and_reads_total(self):
        create_link()
        total = omise.Link.retrieve().total
        with Wire() as wire:
            self.assertEqual(len(omise.Link.list()), total)
        (sent,) = wire.requests()
        self.assertEqual(sent.method, "GET")
        self.assertEqual(sent.url, BASE + "links")
        self.assertEqual(sent.headers["Content-Type"], "application/json")
        self.assertEqual(
            json.loads(sent.body),
            {"from": None, "limit": 1, "offset": 0, "order": None, "to": None},
        )

    def test_the_lazy_list_walks_every_page(self):
        # Enough links for three pages of 100, the last one short.
        missing = 250 - len(omise.Link.list())
        created = [create_link().id for _ in range(max(missing, 0))]
        total = len(omise.Link.list())
        self.assertGreaterEqual(total, 201)

        with Wire() as wire:
            walked = [link.id for link in omise.Link.list()]

        self.assertEqual(len(walked), total)
        self.assertEqual(len(set(walked)), total, "no link twice")
        # Chronological by default: this test's links come in creation order.
        self.assertEqual([i for i in walked if i in set(created)], created)

        pages = [json.loads(r.body) for r in wire.requests() if r.method == "GET"]
        pages = [p for p in pages if p["limit"] == 100]
        offsets = [p["offset"] for p in pages]
        # A full last page makes the client ask once more and get nothing.
        expected = list(range(0, total, 100)) + ([total] if total % 100 == 0 else [])
        self.assertEqual(offsets, expected)
        for page in pages:
            self.assertEqual(page["order"], None)

    def test_reload_after_payment_shows_the_charge(self):
        link = create_link()
        token = create_token()
        charge_id = pay(link, token)

        self.assertIs(link.used, False, "not reloaded yet")
        link.reload()
        self.assertIs(link.used, True)
        self.assertIsInstance(link.used_at, str)
        charges = link.charges
        self.assertIsInstance(charges, omise.Collection)
        self.assertEqual(charges.total, 1)
        self.assertEqual(len(charges), 1)
        charge = charges[0]
        self.assertIsInstance(charge, omise.Charge)
        self.assertEqual(charge.id, charge_id)
        self.assertEqual(charge.status, "successful")
        self.assertIs(charge.paid, True)
        self.assertEqual(charge.amount, 100000)
        self.assertEqual(charge.currency, "THB")
        self.assertEqual(charge.link, link.id)
        self.assertEqual(charge.card.last_digits, "4242")

        token.reload()
        self.assertIs(token.used, True)

    def test_destroy_a_link(self):
        link = create_link()
        link_id = link.id
        link.destroy()
        self.assertIs(link.destroyed, True)
        self.assertEqual(link.id, link_id)
        self.assertIsInstance(link.deleted_at, str)

        again = omise.Link.retrieve(link_id)
        self.assertIs(again.destroyed, True)
        self.assertNotIn(link_id, [item.id for item in omise.Link.list()])


class TokenTests(unittest.TestCase):
    def test_create_a_token_with_the_public_key(self):
        with Wire() as wire:
            token = create_token("5555555555554444")
        (sent,) = wire.requests()
        self.assertEqual(sent.url, BASE + "tokens")
        self.assertEqual(
            sent.headers["Authorization"],
            "Basic " + base64.b64encode((PUBLIC_KEY + ":").encode()).decode(),
        )

        self.assertIsInstance(token, omise.Token)
        self.assertTrue(token.id.startswith("tokn_test_"))
        self.assertIs(token.used, False)
        card = token.card
        self.assertIsInstance(card, omise.Card)
        self.assertEqual(card.brand, "MasterCard")
        self.assertEqual(card.last_digits, "4444")
        self.assertEqual(card.name, "Somchai Prasert")
        self.assertEqual(card.expiration_month, 12)
        self.assertEqual(card.expiration_year, 2040)
        self.assertNotIn("5555555555554444", json.dumps(token._attributes))

        self.assertEqual(omise.Token.retrieve(token.id).card.id, card.id)


class ChargeTests(unittest.TestCase):
    def test_retrieve_and_list_charges(self):
        link = create_link(multiple=True)
        paid = pay(link, create_token())
        failed = pay(link, create_token("4111111111140011"))

        charge = omise.Charge.retrieve(paid)
        self.assertIsInstance(charge, omise.Charge)
        self.assertEqual(charge.id, paid)
        self.assertEqual(charge.location, "/charges/" + paid)
        self.assertEqual(charge.status, "successful")
        self.assertIs(charge.paid, True)
        self.assertEqual(charge.link, link.id)

        declined = omise.Charge.retrieve(failed)
        self.assertEqual(declined.status, "failed")
        self.assertIs(declined.paid, False)
        self.assertEqual(declined.failure_code, "insufficient_fund")

        page = omise.Charge.retrieve()
        self.assertIsInstance(page, omise.Collection)
        self.assertTrue(all(isinstance(item, omise.Charge) for item in page))

        everything = [item.id for item in omise.Charge.list()]
        self.assertEqual(len(everything), len(omise.Charge.list()))
        self.assertIn(paid, everything)
        self.assertIn(failed, everything)
        self.assertLess(everything.index(paid), everything.index(failed))


class ErrorTests(unittest.TestCase):
    def tearDown(self):
        omise.api_secret = SECRET_KEY
        omise.api_public = PUBLIC_KEY

    def test_a_missing_link_raises_not_found(self):
        with self.assertRaises(omise.errors.NotFoundError) as raised:
            omise.Link.retrieve(MISSING_LINK)
        self.assertEqual(str(raised.exception), "link %s was not found" % MISSING_LINK)

    def test_a_missing_charge_raises_not_found(self):
        with self.assertRaises(omise.errors.NotFoundError):
            omise.Charge.retrieve("chrg_test_" + "0" * 19)

    # The issue names omise.errors.AuthenticationError; omise 0.16.0 has no
    # such class and maps `authentication_failure` to AuthenticationFailureError.
    def test_an_unknown_secret_key_raises_authentication_failure(self):
        omise.api_secret = "skey_test_" + "0" * 19
        with self.assertRaises(omise.errors.AuthenticationFailureError) as raised:
            len(omise.Link.list())
        self.assertEqual(str(raised.exception), "authentication failed")

    def test_the_public_key_cannot_call_the_secret_api(self):
        omise.api_secret = PUBLIC_KEY
        with self.assertRaises(omise.errors.AuthenticationFailureError):
            create_link()

    def test_the_secret_key_cannot_create_tokens(self):
        omise.api_public = SECRET_KEY
        with self.assertRaises(omise.errors.AuthenticationFailureError):
            create_token()

    def test_an_invalid_link_raises_the_base_error_with_the_message(self):
        # 0.16.0 has no class for `invalid_link`: it raises BaseError itself.
        with self.assertRaises(omise.errors.BaseError) as raised:
            create_link(amount=1)
        self.assertIs(type(raised.exception), omise.errors.BaseError)
        self.assertIn("amount", str(raised.exception))


class VersionTests(unittest.TestCase):
    def tearDown(self):
        omise.api_version = None

    def test_2015_11_17_gives_the_older_shape(self):
        omise.api_version = "2015-11-17"
        link = create_link()
        attributes = link._attributes
        self.assertEqual(link.currency, "thb")
        self.assertIsInstance(link.created, str)
        for newer in ("created_at", "used_at", "deleted_at"):
            self.assertNotIn(newer, attributes)

        token = create_token()
        self.assertIsInstance(token.created, str)
        self.assertNotIn("created_at", token._attributes)

        pay(link, token)
        link.reload()
        self.assertEqual(link.currency, "thb")
        charge = link.charges[0]
        self.assertEqual(charge.currency, "thb")
        self.assertIsInstance(charge.created, str)
        self.assertNotIn("created_at", charge._attributes)
        self.assertEqual(omise.Charge.retrieve(charge.id).currency, "thb")

    def test_2019_05_29_gives_the_current_shape(self):
        omise.api_version = "2019-05-29"
        link = create_link()
        self.assertEqual(link.currency, "THB")
        self.assertIsInstance(link.created_at, str)
        self.assertNotIn("created", link._attributes)


if __name__ == "__main__":
    unittest.main(verbosity=2)
