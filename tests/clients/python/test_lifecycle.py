"""A charge's life through the official omise PyPI client: refunds, the
account and its capability, and 3-D Secure charges completed in test mode.

Run by `cargo test` (tests/api/clients.rs), or by hand against any server:

    PAYLINK_URL=http://127.0.0.1:8080 PAYLINK_SECRET_KEY=skey_test_... \
    PAYLINK_PUBLIC_KEY=pkey_test_... python test_lifecycle.py

What omise 0.16.0 offers, and so what is used here: `Charge.refund(**kw)`
(POSTs, answers the Refund and reloads the charge), `Charge.list_refunds()`
(a LazyCollection of /charges/{id}/refunds), the charge's embedded `refunds`
Collection with its `retrieve(id)`, `Refund.reload()` (GETs the refund's
`location`), `Refund.list()` (/refunds), `Account.retrieve()` and
`update()`, `Capability.retrieve()` (public key). It has no call for
mark_as_paid or mark_as_failed, so those go through requests, as a user of
this client would send them.
"""

import base64
import unittest
from urllib.parse import urljoin, urlsplit

import omise
import omise.errors
import requests

# The setup and helpers of the link suite: one configuration for both.
from test_links import (  # noqa: F401 (setUpModule is run for this module too)
    BASE,
    PUBLIC_KEY,
    SECRET_KEY,
    Wire,
    create_link,
    create_token,
    pay,
    setUpModule,
)

VISA_3DS = "4000000000003220"
MASTERCARD_3DS = "5200000000003225"
DECLINED = "4111111111140011"


def paid_charge(amount=100000):
    """A successful charge of `amount` on a fresh single-use link."""
    link = create_link(amount=amount)
    charge = omise.Charge.retrieve(pay(link, create_token()))
    assert charge.status == "successful", charge.status
    return charge


def start_3ds(link, number):
    """Pays with a 3-D Secure card: the page sends the payer to the test
    bank, `/authorize/<charge id>`; returns the charge id."""
    token = create_token(number)
    response = requests.post(
        link.payment_uri, data={"token": token.id}, allow_redirects=False
    )
    assert response.status_code == 303, (response.status_code, response.text)
    target = urlsplit(urljoin(link.payment_uri, response.headers["Location"]))
    prefix = "/authorize/"
    assert target.path.startswith(prefix), target.path
    return target.path[len(prefix):]


def mark(charge_id, outcome):
    """POST /charges/{id}/mark_as_<outcome> with the secret key, as curl
    would: omise 0.16.0 has no call for it."""
    return requests.post(
        BASE + "charges/%s/mark_as_%s" % (charge_id, outcome), auth=(SECRET_KEY, "")
    )


class RefundTests(unittest.TestCase):
    def assert_refund(self, refund, charge, amount, metadata=None):
        self.assertIsInstance(refund, omise.Refund)
        self.assertTrue(refund.id.startswith("rfnd_test_"), refund.id)
        self.assertEqual(refund.object, "refund")
        self.assertEqual(
            refund.location, "/charges/%s/refunds/%s" % (charge.id, refund.id)
        )
        self.assertIs(refund.livemode, False)
        self.assertEqual(refund.amount, amount)
        self.assertEqual(refund.currency, "THB")
        self.assertEqual(refund.charge, charge.id)
        self.assertEqual(refund.status, "closed")
        self.assertIs(refund.voided, False)
        self.assertIsNone(refund.transaction)
        self.assertEqual(refund.funding_amount, amount)
        self.assertIsInstance(refund.created_at, str)
        # A dict attribute comes back as a Base object; the JSON is as sent.
        self.assertEqual(refund._attributes["metadata"], metadata or {})

    def test_a_partial_then_a_full_refund(self):
        charge = paid_charge()
        self.assertEqual(charge.refunded_amount, 0)
        self.assertIs(charge.refundable, True)
        self.assertIs(charge.partially_refundable, True)
        self.assertIsInstance(charge.refunds, omise.Collection)
        self.assertEqual(charge.refunds.total, 0)
        self.assertEqual(charge.refunds.location, "/charges/%s/refunds" % charge.id)

        with Wire() as wire:
            first = charge.refund(amount=30000, metadata={"order": "A-1"})
        # The client POSTs the refund, then reloads the charge.
        sent = wire.requests()
        self.assertEqual(
            [(r.method, r.url) for r in sent],
            [
                ("POST", BASE + "charges/%s/refunds" % charge.id),
                ("GET", BASE + "charges/%s" % charge.id),
            ],
        )
        self.assert_refund(first, charge, 30000, {"order": "A-1"})

        # The charge was reloaded by refund() itself.
        self.assertEqual(charge.refunded_amount, 30000)
        self.assertIs(charge.refundable, True)
        self.assertIs(charge.partially_refundable, True)
        self.assertEqual(charge.refunds.total, 1)
        embedded = charge.refunds.retrieve(first.id)
        self.assertIsInstance(embedded, omise.Refund)
        self.assertEqual(embedded._attributes, first._attributes)

        rest = charge.refund(amount=70000)
        self.assert_refund(rest, charge, 70000)
        self.assertEqual(charge.refunded_amount, 100000)
        self.assertIs(charge.refundable, False)
        self.assertIs(charge.partially_refundable, False)
        self.assertEqual(charge.refunds.total, 2)
        self.assertEqual([r.id for r in charge.refunds], [first.id, rest.id])

        # A fresh read agrees with the reloaded charge.
        again = omise.Charge.retrieve(charge.id)
        self.assertEqual(again.refunded_amount, 100000)
        self.assertIs(again.refundable, False)
        self.assertEqual(
            [r._attributes for r in again.refunds],
            [first._attributes, rest._attributes],
        )

        # The charge's own list, through the lazy collection.
        listed = charge.list_refunds()
        self.assertEqual(len(listed), 2)
        walked = list(charge.list_refunds())
        self.assertTrue(all(isinstance(r, omise.Refund) for r in walked))
        self.assertEqual(
            [r._attributes for r in walked], [first._attributes, rest._attributes]
        )
        newest = charge.list_refunds().offset(limit=1, order="reverse_chronological")
        self.assertEqual([r.id for r in newest], [rest.id])

        # One refund, read back from its location.
        made = dict(first._attributes)
        with Wire() as wire:
            self.assertIs(first.reload(), first)
        (sent,) = wire.requests()
        self.assertEqual(
            (sent.method, sent.url),
            ("GET", BASE + "charges/%s/refunds/%s" % (charge.id, first.id)),
        )
        self.assertEqual(first._attributes, made)

        # Each refund is an event of its charge.
        events = list(charge.list_events())
        self.assertEqual(
            [e.key for e in events], ["charge.create", "refund.create", "refund.create"]
        )
        self.assertIsInstance(events[1].data, omise.Refund)
        self.assertEqual(events[1]._attributes["data"], first._attributes)

    def test_every_refund_of_the_account(self):
        first = paid_charge()
        second = paid_charge(50000)
        made = [
            first.refund(amount=1000).id,
            second.refund(amount=2000).id,
            first.refund(amount=3000).id,
        ]
        everything = list(omise.Refund.list())
        self.assertEqual(len(everything), len(omise.Refund.list()))
        self.assertTrue(all(isinstance(r, omise.Refund) for r in everything))
        ids = [r.id for r in everything]
        self.assertEqual([i for i in ids if i in made], made, "oldest first")
        by_id = {r.id: r for r in everything}
        self.assertEqual(by_id[made[1]].charge, second.id)
        self.assertEqual(by_id[made[1]].amount, 2000)

    def test_more_than_is_left_raises_failed_refund(self):
        charge = paid_charge()
        with self.assertRaises(omise.errors.FailedRefundError) as raised:
            charge.refund(amount=100001)
        self.assertIn("(100000)", str(raised.exception))
        self.assertEqual(omise.Charge.retrieve(charge.id).refunded_amount, 0)

        charge.refund(amount=60000)
        with self.assertRaises(omise.errors.FailedRefundError) as raised:
            charge.refund(amount=40001)
        self.assertIn("(40000)", str(raised.exception))

        charge.refund(amount=40000)
        with self.assertRaises(omise.errors.FailedRefundError) as raised:
            charge.refund(amount=1)
        self.assertIn("fully refunded", str(raised.exception))
        charge.reload()
        self.assertEqual(charge.refunded_amount, 100000)
        self.assertEqual(charge.refunds.total, 2)

    def test_a_declined_charge_raises_failed_refund(self):
        link = create_link()
        charge = omise.Charge.retrieve(pay(link, create_token(DECLINED)))
        self.assertEqual(charge.status, "failed")
        self.assertIs(charge.refundable, False)
        with self.assertRaises(omise.errors.FailedRefundError) as raised:
            charge.refund(amount=1000)
        self.assertIn("not successful", str(raised.exception))

    def test_a_bad_amount_raises_the_base_error(self):
        charge = paid_charge()
        # 0.16.0 has no class for `bad_request`: it raises BaseError itself.
        with self.assertRaises(omise.errors.BaseError) as raised:
            charge.refund(amount=0)
        self.assertIs(type(raised.exception), omise.errors.BaseError)
        self.assertIn("amount", str(raised.exception))

    def test_a_missing_charge_raises_not_found(self):
        missing = omise.Charge.from_data({"id": "chrg_test_" + "0" * 19})
        with self.assertRaises(omise.errors.NotFoundError):
            missing.refund(amount=1000)
        with self.assertRaises(omise.errors.NotFoundError):
            len(missing.list_refunds())

    def test_the_older_version_says_refunded(self):
        charge = paid_charge()
        charge.refund(amount=25000)
        omise.api_version = "2015-11-17"
        self.addCleanup(setattr, omise, "api_version", None)
        legacy = omise.Charge.retrieve(charge.id)
        self.assertEqual(legacy.refunded, 25000)
        self.assertNotIn("refunded_amount", legacy._attributes)
        (refund,) = list(legacy.refunds)
        self.assertEqual(refund.currency, "thb")
        self.assertIsInstance(refund.created, str)
        self.assertNotIn("created_at", refund._attributes)


class AccountTests(unittest.TestCase):
    def test_retrieve_the_account(self):
        account = omise.Account.retrieve()
        self.assertIsInstance(account, omise.Account)
        self.assertTrue(account.id.startswith("acct_"), account.id)
        self.assertEqual(account.object, "account")
        self.assertEqual(account.location, "/account")
        self.assertIs(account.livemode, False)
        self.assertEqual(account.country, "TH")
        self.assertEqual(account.currency, "THB")
        self.assertIsNone(account.email)
        self.assertEqual(account.api_version, "2019-05-29")
        self.assertIn("THB", account.supported_currencies)
        self.assertIsInstance(account.created_at, str)

        before = account._attributes
        self.assertEqual(account.reload()._attributes, before)

    def test_update_the_account(self):
        account = omise.Account.retrieve()
        original = account.display_name
        self.addCleanup(
            lambda: omise.Account.retrieve().update(display_name=original)
        )
        with Wire() as wire:
            account.update(display_name="Somchai's Shop")
        (sent,) = wire.requests()
        self.assertEqual((sent.method, sent.url), ("PATCH", BASE + "account"))
        self.assertEqual(account.display_name, "Somchai's Shop")
        self.assertEqual(omise.Account.retrieve().display_name, "Somchai's Shop")

        # Changes set on the object are sent too.
        account.api_version = "2015-11-17"
        account.update()
        self.addCleanup(
            lambda: omise.Account.retrieve().update(api_version="2019-05-29")
        )
        self.assertEqual(account.api_version, "2015-11-17")
        self.assertEqual(omise.Account.retrieve().api_version, "2015-11-17")

    def test_an_unsupported_api_version_raises_the_base_error(self):
        with self.assertRaises(omise.errors.BaseError) as raised:
            omise.Account.retrieve().update(api_version="2017-11-02")
        self.assertIs(type(raised.exception), omise.errors.BaseError)
        self.assertIn("api_version", str(raised.exception))
        self.assertEqual(omise.Account.retrieve().api_version, "2019-05-29")

    def test_the_public_key_cannot_read_the_account(self):
        omise.api_secret = PUBLIC_KEY
        self.addCleanup(setattr, omise, "api_secret", SECRET_KEY)
        with self.assertRaises(omise.errors.AuthenticationFailureError):
            omise.Account.retrieve()


class CapabilityTests(unittest.TestCase):
    def assert_capability(self, capability):
        self.assertIsInstance(capability, omise.Capability)
        self.assertEqual(capability.object, "capability")
        self.assertEqual(capability.country, "TH")
        self.assertEqual(capability.banks, [])
        self.assertEqual(capability.tokenization_methods, [])
        self.assertIs(capability.zero_interest_installments, False)
        (card,) = capability._attributes["payment_methods"]
        self.assertEqual(card["object"], "payment_method")
        self.assertEqual(card["name"], "card")
        self.assertIn("THB", card["currencies"])
        self.assertIn("Visa", card["card_brands"])
        self.assertIn("MasterCard", card["card_brands"])
        limits = capability._attributes["limits"]["charge_amount"]
        self.assertLess(limits["min"], limits["max"])

    def test_retrieve_the_capability_with_the_public_key(self):
        with Wire() as wire:
            capability = omise.Capability.retrieve()
        (sent,) = wire.requests()
        self.assertEqual(sent.url, BASE + "capability")
        self.assertEqual(
            sent.headers["Authorization"],
            "Basic " + base64.b64encode((PUBLIC_KEY + ":").encode()).decode(),
        )
        self.assert_capability(capability)
        self.assertEqual(capability.reload()._attributes, capability._attributes)

    def test_the_secret_key_reads_it_too(self):
        omise.api_public = SECRET_KEY
        self.addCleanup(setattr, omise, "api_public", PUBLIC_KEY)
        self.assert_capability(omise.Capability.retrieve())

    def test_an_unknown_key_raises_authentication_failure(self):
        omise.api_public = "pkey_test_" + "0" * 19
        self.addCleanup(setattr, omise, "api_public", PUBLIC_KEY)
        with self.assertRaises(omise.errors.AuthenticationFailureError):
            omise.Capability.retrieve()


class ThreeDSecureTests(unittest.TestCase):
    def test_a_pending_charge_marked_as_paid_is_then_refunded(self):
        link = create_link()
        charge_id = start_3ds(link, VISA_3DS)
        charge = omise.Charge.retrieve(charge_id)
        self.assertEqual(charge.status, "pending")
        self.assertIs(charge.authorized, False)
        self.assertIs(charge.paid, False)
        self.assertIsNone(charge.paid_at)
        self.assertTrue(
            charge.authorize_uri.endswith("/authorize/" + charge_id),
            charge.authorize_uri,
        )
        self.assertEqual(charge.link, link.id)
        self.assertIs(charge.refundable, False)
        with self.assertRaises(omise.errors.FailedRefundError):
            charge.refund(amount=1000)

        response = mark(charge_id, "paid")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["id"], charge_id)
        self.assertEqual(response.json()["status"], "successful")

        charge.reload()
        self.assertEqual(charge.status, "successful")
        self.assertIs(charge.paid, True)
        self.assertIs(charge.authorized, True)
        self.assertIsInstance(charge.paid_at, str)
        self.assertIs(charge.refundable, True)
        link.reload()
        self.assertIs(link.used, True)
        self.assertEqual([c.id for c in link.charges], [charge_id])

        refund = charge.refund(amount=100000)
        self.assertEqual(refund.charge, charge_id)
        self.assertEqual(charge.refunded_amount, 100000)
        self.assertIs(charge.refundable, False)
        self.assertEqual(
            [e.key for e in charge.list_events()],
            ["charge.create", "charge.complete", "refund.create"],
        )

        # Only a pending charge can be completed.
        again = mark(charge_id, "paid")
        self.assertEqual(again.status_code, 400, again.text)
        self.assertEqual(again.json()["code"], "bad_request")

    def test_a_pending_charge_marked_as_failed(self):
        link = create_link()
        charge_id = start_3ds(link, MASTERCARD_3DS)
        self.assertEqual(omise.Charge.retrieve(charge_id).status, "pending")

        response = mark(charge_id, "failed")
        self.assertEqual(response.status_code, 200, response.text)

        charge = omise.Charge.retrieve(charge_id)
        self.assertEqual(charge.status, "failed")
        self.assertIs(charge.paid, False)
        self.assertEqual(charge.failure_code, "failed_processing")
        self.assertIsInstance(charge.failure_message, str)
        self.assertEqual(charge.card.last_digits, "3225")
        with self.assertRaises(omise.errors.FailedRefundError):
            charge.refund(amount=1000)

    def test_marking_needs_the_secret_key(self):
        link = create_link()
        charge_id = start_3ds(link, VISA_3DS)
        response = requests.post(
            BASE + "charges/%s/mark_as_paid" % charge_id, auth=(PUBLIC_KEY, "")
        )
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(omise.Charge.retrieve(charge_id).status, "pending")


if __name__ == "__main__":
    unittest.main(verbosity=2)
