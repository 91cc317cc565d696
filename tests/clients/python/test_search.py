"""Search through the official omise PyPI client: links and charges found by
query, by filters, by both, a page at a time and in either order.

Run by `cargo test` (tests/api/clients.rs), or by hand against a server with
a fresh account (the totals asserted here count every link and charge of the
account):

    PAYLINK_URL=http://127.0.0.1:8080 PAYLINK_SECRET_KEY=skey_test_... \
    PAYLINK_PUBLIC_KEY=pkey_test_... python test_search.py

What omise 0.16.0 offers: `Search.execute(scope, **options)`, which builds
the query string by hand, `?scope=<scope>` then `key=value` for each option
and `key[k]=v` for each entry of a dict option, joined with `&`, nothing
URL-encoded by the client (requests then quotes spaces, non-ASCII text and,
with the pinned requests 2.34 / urllib3 2.8, the brackets; a `+`, `&` or `#`
in a value would go as it is and change the meaning, so none is used here).
Python booleans go as `True` and `False`. The path is `search/` with a
trailing slash, and like every GET of this client it carries `{}` as a JSON
body. The answer is a `Search`, whose items are the
client's `Link` and `Charge` objects.
"""

import json
import unittest
from urllib.parse import quote

import omise
import omise.errors

# The setup and helpers of the link suite: one configuration for both.
from test_links import (  # noqa: F401 (setUpModule is run for this module too)
    BASE,
    Wire,
    create_token,
    pay,
    setUpModule,
)

DECLINED = "4111111111140011"


def make_link(title, amount, multiple):
    return omise.Link.create(
        amount=amount,
        currency="thb",
        title=title,
        description="Search order of " + title,
        multiple=multiple,
    )


def ids(found):
    return [item.id for item in found]


class SearchTests(unittest.TestCase):
    """One set of links and charges, made once; every test only reads."""

    @classmethod
    def setUpClass(cls):
        # Amounts in satang: ฿1,500, ฿500, ฿2,500, ฿1,000, ฿2,000.
        cls.coffee = make_link("Blue Mountain coffee", 150000, False)
        cls.tea = make_link("Green tea", 50000, True)
        cls.thai = make_link("กาแฟดอยช้าง", 250000, True)
        cls.latte = make_link("Matcha latte", 100000, False)
        cls.espresso = make_link("Espresso double", 200000, False)
        cls.links = [cls.coffee, cls.tea, cls.thai, cls.latte, cls.espresso]

        cls.coffee_paid = pay(cls.coffee, create_token())
        cls.tea_declined = pay(cls.tea, create_token(DECLINED))
        cls.tea_paid = pay(cls.tea, create_token())
        # A declined charge leaves a single-use link unused.
        cls.espresso_declined = pay(cls.espresso, create_token(DECLINED))
        cls.charges = [
            cls.coffee_paid,
            cls.tea_declined,
            cls.tea_paid,
            cls.espresso_declined,
        ]

    def link_ids(self, *links):
        return [link.id for link in links]

    def assert_links(self, search, expected, total=None):
        self.assertIsInstance(search, omise.Search)
        self.assertEqual(search.object, "search")
        self.assertEqual(search.scope, "link")
        self.assertTrue(all(isinstance(item, omise.Link) for item in search))
        self.assertEqual(ids(search), [link.id for link in expected])
        self.assertEqual(len(search), len(expected))
        self.assertEqual(search.total, len(expected) if total is None else total)

    def assert_charges(self, search, expected, total=None):
        self.assertIsInstance(search, omise.Search)
        self.assertEqual(search.object, "search")
        self.assertEqual(search.scope, "charge")
        self.assertTrue(all(isinstance(item, omise.Charge) for item in search))
        self.assertEqual(ids(search), expected)
        self.assertEqual(search.total, len(expected) if total is None else total)

    def test_the_request_is_built_by_hand(self):
        with Wire() as wire:
            search = omise.Search.execute(
                "link",
                query="order",
                filters={"multiple": False, "amount": "1000.."},
            )
        (sent,) = wire.requests()
        self.assertEqual(sent.method, "GET")
        # The client writes `filters[multiple]=False&filters[amount]=1000..`;
        # requests 2.34 (urllib3 2.8) quotes the brackets on the way out.
        # Dots stay as written; the booleans are as Python spells them.
        self.assertEqual(
            sent.url,
            BASE + "search/?scope=link&query=order"
            "&filters%5Bmultiple%5D=False&filters%5Bamount%5D=1000..",
        )
        self.assertEqual(sent.headers["Content-Type"], "application/json")
        self.assertEqual(json.loads(sent.body), {})
        self.assert_links(search, [self.coffee, self.latte, self.espresso])
        # Filters are echoed as strings, as they came.
        self.assertEqual(
            search._attributes["filters"], {"amount": "1000..", "multiple": "False"}
        )
        self.assertEqual(search.query, "order")

    def test_the_search_object(self):
        search = omise.Search.execute("link")
        self.assert_links(search, self.links)
        self.assertEqual(search.page, 1)
        self.assertEqual(search.per_page, 30)
        self.assertEqual(search.total_pages, 1)
        self.assertEqual(search.location, "/search")
        self.assertEqual(search.order, "chronological")
        self.assertIsNone(search.query)
        self.assertIsNone(search.export)
        self.assertIsNone(search.aggregate_level)
        self.assertEqual(search._attributes["filters"], {})
        # Each result is the link GET /links/{id} answers.
        self.assertEqual(
            search[3]._attributes, omise.Link.retrieve(self.latte.id)._attributes
        )
        self.assertEqual(search[0].charges.total, 1)
        self.assertEqual(search[0].charges[0].id, self.coffee_paid)

    def test_links_by_query(self):
        self.assert_links(omise.Search.execute("link", query="MOUNTAIN"), [self.coffee])
        self.assert_links(omise.Search.execute("link", query="latte"), [self.latte])
        self.assert_links(
            omise.Search.execute("link", query="search order of"), self.links
        )
        # A part of an id.
        self.assert_links(
            omise.Search.execute("link", query=self.espresso.id[10:]), [self.espresso]
        )
        self.assert_links(omise.Search.execute("link", query="nothing-like-it"), [])

    def test_a_query_with_a_space_or_thai_is_quoted_by_requests(self):
        with Wire() as wire:
            tea = omise.Search.execute("link", query="green tea")
            thai = omise.Search.execute("link", query="ดอยช้าง")
        spaced, unicode = wire.requests()
        self.assertEqual(spaced.url, BASE + "search/?scope=link&query=green%20tea")
        self.assertEqual(
            unicode.url, BASE + "search/?scope=link&query=" + quote("ดอยช้าง")
        )
        self.assert_links(tea, [self.tea])
        self.assertEqual(tea.query, "green tea")
        self.assert_links(thai, [self.thai])
        self.assertEqual(thai.query, "ดอยช้าง")
        # Two characters are enough.
        self.assert_links(omise.Search.execute("link", query="กา"), [self.thai])

    def test_links_by_amount_in_baht(self):
        self.assert_links(
            omise.Search.execute("link", filters={"amount": "1000..2000"}),
            [self.coffee, self.latte, self.espresso],
        )
        self.assert_links(
            omise.Search.execute("link", filters={"amount": "..1000"}),
            [self.tea, self.latte],
        )
        self.assert_links(
            omise.Search.execute("link", filters={"amount": "2500.."}), [self.thai]
        )
        self.assert_links(
            omise.Search.execute("link", filters={"amount": 500}), [self.tea]
        )
        self.assert_links(
            omise.Search.execute(
                "link", filters={"amount": "1000..2000", "currency": "thb"}
            ),
            [self.coffee, self.latte, self.espresso],
        )

    def test_links_by_used_and_multiple(self):
        self.assert_links(
            omise.Search.execute("link", filters={"used": True}), [self.coffee]
        )
        self.assert_links(
            omise.Search.execute("link", filters={"used": "false"}),
            [self.tea, self.thai, self.latte, self.espresso],
        )
        self.assert_links(
            omise.Search.execute("link", filters={"multiple": True}),
            [self.tea, self.thai],
        )
        self.assert_links(
            omise.Search.execute("link", filters={"multiple": False}),
            [self.coffee, self.latte, self.espresso],
        )
        self.assert_links(
            omise.Search.execute(
                "link", filters={"multiple": False, "used": False, "amount": "..1500"}
            ),
            [self.latte],
        )

    def test_links_by_query_and_filters(self):
        self.assert_links(
            omise.Search.execute("link", query="tea", filters={"multiple": True}),
            [self.tea],
        )
        self.assert_links(
            omise.Search.execute("link", query="latte", filters={"multiple": True}), []
        )
        self.assert_links(
            omise.Search.execute(
                "link", query="e", filters={"used": False, "amount": "1500.."}
            ),
            [self.thai, self.espresso],
        )

    def test_links_by_date(self):
        today = self.coffee.created_at[:10]
        self.assert_links(
            omise.Search.execute("link", filters={"created": today}), self.links
        )
        self.assert_links(
            omise.Search.execute("link", filters={"created": "2001-01-01..2001-12-31"}),
            [],
        )
        self.assert_links(
            omise.Search.execute("link", filters={"used_at": today + ".."}),
            [self.coffee],
        )

    def test_failed_charges(self):
        failed = omise.Search.execute("charge", filters={"status": "failed"})
        self.assert_charges(failed, [self.tea_declined, self.espresso_declined])
        for charge in failed:
            self.assertEqual(charge.status, "failed")
            self.assertIs(charge.paid, False)
            self.assertEqual(charge.failure_code, "insufficient_fund")
            self.assertEqual(charge.card.last_digits, "0011")
        self.assertEqual(
            failed[0]._attributes,
            omise.Charge.retrieve(self.tea_declined)._attributes,
        )
        self.assert_charges(
            omise.Search.execute("charge", filters={"status": "successful"}),
            [self.coffee_paid, self.tea_paid],
        )
        self.assert_charges(
            omise.Search.execute("charge", filters={"paid": False}),
            [self.tea_declined, self.espresso_declined],
        )
        self.assert_charges(
            omise.Search.execute("charge", filters={"failure_code": "insufficient_fund"}),
            [self.tea_declined, self.espresso_declined],
        )

    def test_charges_by_query(self):
        self.assert_charges(omise.Search.execute("charge"), self.charges)
        self.assert_charges(
            omise.Search.execute("charge", query="insufficient"),
            [self.tea_declined, self.espresso_declined],
        )
        # By the link's id, the link's title, the charge's own id.
        self.assert_charges(
            omise.Search.execute("charge", query=self.tea.id),
            [self.tea_declined, self.tea_paid],
        )
        self.assert_charges(
            omise.Search.execute("charge", query="Mountain"), [self.coffee_paid]
        )
        self.assert_charges(
            omise.Search.execute("charge", query=self.tea_paid), [self.tea_paid]
        )

    def test_charges_by_query_and_filters(self):
        self.assert_charges(
            omise.Search.execute(
                "charge", query="green", filters={"status": "successful"}
            ),
            [self.tea_paid],
        )
        self.assert_charges(
            omise.Search.execute(
                "charge", query="order", filters={"status": "failed", "amount": "2000"}
            ),
            [self.espresso_declined],
        )
        self.assert_charges(
            omise.Search.execute(
                "charge", filters={"link": self.espresso.id, "paid": False}
            ),
            [self.espresso_declined],
        )
        self.assert_charges(
            omise.Search.execute(
                "charge", filters={"amount": "500", "card_last_digits": "4242"}
            ),
            [self.tea_paid],
        )

    def test_pages_and_order(self):
        newest = omise.Search.execute("link", order="reverse_chronological")
        self.assert_links(newest, list(reversed(self.links)))
        self.assertEqual(newest.order, "reverse_chronological")

        with Wire() as wire:
            second = omise.Search.execute("link", per_page=2, page=2)
        (sent,) = wire.requests()
        self.assertEqual(sent.url, BASE + "search/?scope=link&per_page=2&page=2")
        self.assert_links(second, [self.thai, self.latte], total=5)
        self.assertEqual(
            (second.page, second.per_page, second.total_pages), (2, 2, 3)
        )

        last = omise.Search.execute(
            "link", order="reverse_chronological", per_page=2, page=3
        )
        self.assert_links(last, [self.coffee], total=5)
        beyond = omise.Search.execute("link", per_page=2, page=9)
        self.assert_links(beyond, [], total=5)
        self.assertEqual(beyond.page, 9)

        walked = []
        for page in (1, 2, 3):
            walked += ids(omise.Search.execute("link", per_page=2, page=page))
        self.assertEqual(walked, self.link_ids(*self.links))

        self.assert_charges(
            omise.Search.execute(
                "charge", order="reverse_chronological", per_page=1, page=2
            ),
            [self.tea_paid],
            total=4,
        )
        self.assert_charges(
            omise.Search.execute(
                "charge", filters={"status": "failed"}, per_page=1, page=2
            ),
            [self.espresso_declined],
            total=2,
        )

    def test_bad_searches_raise_the_base_error(self):
        # 0.16.0 has no class for `bad_request`: it raises BaseError itself.
        for scope, options, needle in [
            ("refund", {}, "not supported"),
            ("banana", {}, "not a search scope"),
            ("link", {"filters": {"status": "failed"}}, "filters[status]"),
            ("charge", {"filters": {"used": True}}, "filters[used]"),
            ("link", {"filters": {"used": "maybe"}}, "filters[used]"),
            ("link", {"filters": {"amount": "lots"}}, "filters[amount]"),
            ("link", {"per_page": 101}, "per_page"),
            ("link", {"page": 0}, "page"),
            ("link", {"order": "sideways"}, "order"),
        ]:
            with self.subTest(scope=scope, options=options):
                with self.assertRaises(omise.errors.BaseError) as raised:
                    omise.Search.execute(scope, **options)
                self.assertIs(type(raised.exception), omise.errors.BaseError)
                self.assertIn(needle, str(raised.exception))

    def test_the_older_version_gives_the_older_shape(self):
        omise.api_version = "2015-11-17"
        self.addCleanup(setattr, omise, "api_version", None)
        search = omise.Search.execute("link", query="coffee")
        self.assertEqual(
            sorted(search._attributes),
            ["data", "filters", "object", "order", "page", "query", "scope",
             "total", "total_pages"],
        )
        self.assert_links(search, [self.coffee])
        self.assertEqual(search[0].currency, "thb")
        self.assertIsInstance(search[0].created, str)
        charges = omise.Search.execute("charge", filters={"status": "failed"})
        self.assert_charges(charges, [self.tea_declined, self.espresso_declined])
        self.assertEqual(charges[0].currency, "thb")
        self.assertNotIn("created_at", charges[0]._attributes)


if __name__ == "__main__":
    unittest.main(verbosity=2)
