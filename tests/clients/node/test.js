// The official omise npm client, unchanged, against a running paylink.
//
// Run by `cargo test` (tests/api/clients.rs), or by hand against a server
// listening on port 80 of a loopback address:
//
//   OMISE_SCHEME=http PAYLINK_URL=http://127.0.0.2 PAYLINK_SECRET_KEY=skey_test_... \
//   PAYLINK_PUBLIC_KEY=pkey_test_... node --test test.js
//
// omise 1.1.0 takes a bare host name (no port) and picks http only from the
// OMISE_SCHEME environment variable, hence port 80 and that variable.
'use strict';

const assert = require('node:assert/strict');
const {test} = require('node:test');
const Omise = require('omise');

const url = new URL(process.env.PAYLINK_URL);
assert.equal(url.protocol, 'http:', 'PAYLINK_URL must be http');
assert.equal(url.port, '', 'the client cannot carry a port: serve on port 80');
assert.equal(process.env.OMISE_SCHEME, 'http', 'set OMISE_SCHEME=http');

const secretKey = process.env.PAYLINK_SECRET_KEY;
const publicKey = process.env.PAYLINK_PUBLIC_KEY;
const missingLink = 'link_test_' + '0'.repeat(19);

function client(options = {}) {
  return Omise({
    publicKey,
    secretKey,
    host: url.hostname,
    vaultHost: url.hostname,
    ...options,
  });
}

const omise = client();

function createLink(multiple = false) {
  return omise.links.create({
    amount: 100000,
    currency: 'thb',
    title: 'Order-384',
    description: 'New Product',
    multiple,
  });
}

function createToken(api = omise, number = '4242424242424242') {
  return api.tokens.create({
    card: {
      name: 'Somchai Prasert',
      number,
      expiration_month: 12,
      expiration_year: 2040,
      security_code: '123',
    },
  });
}

// Pays on the hosted page as a browser form would; resolves to the charge id.
async function pay(link, token) {
  const response = await fetch(link.payment_uri, {
    method: 'POST',
    body: new URLSearchParams({token: token.id}),
    redirect: 'manual',
  });
  assert.equal(response.status, 303);
  const location = new URL(response.headers.get('location'), link.payment_uri);
  return location.searchParams.get('charge');
}

// The client rejects with the parsed Omise error object itself.
function omiseError(code, message) {
  return (error) => {
    assert.equal(error instanceof Error, false, 'a plain object, not an Error');
    assert.equal(error.object, 'error');
    assert.equal(error.code, code);
    assert.equal(
      error.location,
      'https://www.omise.co/api-errors#' + code.replaceAll('_', '-'),
    );
    if (message) {
      assert.equal(error.message, message);
    }
    return true;
  };
}

test('create a single-use link', async () => {
  const link = await createLink();
  assert.match(link.id, /^link_test_[0-9a-z]{19}$/);
  assert.equal(link.object, 'link');
  assert.equal(link.location, `/links/${link.id}`);
  assert.equal(link.livemode, false);
  assert.equal(link.amount, 100000);
  assert.equal(link.currency, 'THB');
  assert.equal(link.title, 'Order-384');
  assert.equal(link.description, 'New Product');
  assert.equal(link.multiple, false);
  assert.equal(link.used, false);
  assert.equal(link.deleted, false);
  assert.equal(link.used_at, null);
  assert.equal(link.deleted_at, null);
  assert.ok(link.payment_uri.startsWith(`http://${url.hostname}`));
  assert.equal(link.charges.object, 'list');
  assert.equal(link.charges.total, 0);
  assert.deepEqual(link.charges.data, []);
  assert.ok(!Number.isNaN(Date.parse(link.created_at)));
});

test('create a multiple-use link', async () => {
  const link = await createLink(true);
  assert.equal(link.multiple, true);
  assert.equal(link.used, false);
});

test('retrieve a link, with a promise and with a callback', async () => {
  const created = await createLink(true);
  const link = await omise.links.retrieve(created.id);
  assert.deepEqual(
    {...link, charges: undefined},
    {...created, charges: undefined},
  );
  const viaCallback = await new Promise((resolve, reject) => {
    omise.links.retrieve(created.id, (error, found) =>
      error ? reject(error) : resolve(found));
  });
  assert.equal(viaCallback.id, created.id);
});

test('list links with limit, offset and order in the query', async () => {
  for (let i = 0; i < 3; i++) {
    await createLink();
  }
  const first = await omise.links.list();
  assert.equal(first.object, 'list');
  assert.equal(first.location, '/links');
  assert.equal(first.limit, 20);
  assert.equal(first.offset, 0);
  assert.equal(first.order, 'chronological');
  assert.ok(first.total >= 3);

  // retrieve() without an id is the same first page.
  const retrieved = await omise.links.retrieve();
  assert.equal(retrieved.object, 'list');
  assert.equal(retrieved.total, first.total);

  const newestFirst = [];
  for (let offset = 0; offset < first.total; offset += 2) {
    const page = await omise.links.list({
      limit: 2,
      offset,
      order: 'reverse_chronological',
    });
    assert.equal(page.limit, 2);
    assert.equal(page.offset, offset);
    assert.equal(page.order, 'reverse_chronological');
    assert.equal(page.total, first.total);
    newestFirst.push(...page.data.map((link) => link.id));
  }
  assert.equal(newestFirst.length, first.total);
  assert.equal(new Set(newestFirst).size, first.total);
  assert.deepEqual(
    [...newestFirst].reverse().slice(0, first.data.length),
    first.data.map((link) => link.id),
  );
});

test('create a token with the public key', async () => {
  const token = await createToken();
  assert.match(token.id, /^tokn_test_/);
  assert.equal(token.object, 'token');
  assert.equal(token.used, false);
  assert.equal(token.card.object, 'card');
  assert.equal(token.card.brand, 'Visa');
  assert.equal(token.card.last_digits, '4242');
  assert.equal(token.card.expiration_month, 12);
  assert.equal(token.card.expiration_year, 2040);
  assert.equal(JSON.stringify(token).includes('4242424242424242'), false);

  const read = await omise.tokens.retrieve(token.id);
  assert.equal(read.card.id, token.card.id);
});

test('a paid link shows its charge; retrieve and list charges', async () => {
  const link = await createLink();
  const token = await createToken();
  const chargeId = await pay(link, token);

  const paid = await omise.links.retrieve(link.id);
  assert.equal(paid.used, true);
  assert.equal(typeof paid.used_at, 'string');
  assert.equal(paid.charges.total, 1);
  assert.equal(paid.charges.data[0].id, chargeId);

  const charge = await omise.charges.retrieve(chargeId);
  assert.equal(charge.object, 'charge');
  assert.equal(charge.location, `/charges/${chargeId}`);
  assert.equal(charge.status, 'successful');
  assert.equal(charge.paid, true);
  assert.equal(charge.amount, 100000);
  assert.equal(charge.currency, 'THB');
  assert.equal(charge.link, link.id);
  assert.equal(charge.card.last_digits, '4242');

  const newest = await omise.charges.list({
    limit: 1,
    order: 'reverse_chronological',
  });
  assert.equal(newest.object, 'list');
  assert.equal(newest.limit, 1);
  assert.ok(newest.total >= 1);
  assert.deepEqual(newest.data.map((c) => c.id), [chargeId]);
});

test('omise 1.1.0 has no way to destroy a link', () => {
  // Destroying a link is covered with the Python client instead.
  assert.deepEqual(Object.keys(omise.links).sort(), ['create', 'list', 'retrieve']);
});

test('a missing link rejects with the not_found error object', async () => {
  await assert.rejects(
    omise.links.retrieve(missingLink),
    omiseError('not_found', `link ${missingLink} was not found`),
  );
  const viaCallback = await new Promise((resolve) => {
    omise.links.retrieve(missingLink, (error, found) => {
      assert.equal(found, null);
      resolve(error);
    });
  });
  assert.ok(omiseError('not_found')(viaCallback));
});

test('a missing charge rejects with the not_found error object', async () => {
  await assert.rejects(
    omise.charges.retrieve('chrg_test_' + '0'.repeat(19)),
    omiseError('not_found'),
  );
});

test('bad keys reject with the authentication_failure error object', async () => {
  const unknown = client({secretKey: 'skey_test_' + '0'.repeat(19)});
  await assert.rejects(
    unknown.links.list(),
    omiseError('authentication_failure', 'authentication failed'),
  );
  const publicAsSecret = client({secretKey: publicKey});
  await assert.rejects(publicAsSecret.links.list(), omiseError('authentication_failure'));
  const secretAsPublic = client({publicKey: secretKey});
  await assert.rejects(createToken(secretAsPublic), omiseError('authentication_failure'));
});

test('an invalid link rejects with the invalid_link error object', async () => {
  await assert.rejects(
    omise.links.create({amount: 1, currency: 'thb', title: 't', description: 'd'}),
    omiseError('invalid_link'),
  );
});

test('omiseVersion 2015-11-17 gives the older shape', async () => {
  const legacy = client({omiseVersion: '2015-11-17'});
  const link = await legacy.links.create({
    amount: 100000,
    currency: 'THB',
    title: 'Order-384',
    description: 'New Product',
  });
  assert.equal(link.currency, 'thb');
  assert.equal(typeof link.created, 'string');
  assert.equal('created_at' in link, false);
  assert.equal('used_at' in link, false);
  assert.equal('deleted_at' in link, false);

  const token = await createToken(legacy);
  assert.equal(typeof token.created, 'string');
  assert.equal('created_at' in token, false);

  const chargeId = await pay(link, token);
  const charge = await legacy.charges.retrieve(chargeId);
  assert.equal(charge.currency, 'thb');
  assert.equal(typeof charge.created, 'string');
  assert.equal('created_at' in charge, false);

  const current = await client({omiseVersion: '2019-05-29'}).links.retrieve(link.id);
  assert.equal(current.currency, 'THB');
  assert.equal(typeof current.created_at, 'string');
});

// A paid charge of a fresh single-use link; resolves to the charge id.
async function paidCharge(number = '4242424242424242') {
  return pay(await createLink(), await createToken(omise, number));
}

// Pays with a 3-D Secure card: the page sends the payer to the test bank,
// `/authorize/<charge id>`; resolves to the charge id.
async function start3ds(link, number) {
  const token = await createToken(omise, number);
  const response = await fetch(link.payment_uri, {
    method: 'POST',
    body: new URLSearchParams({token: token.id}),
    redirect: 'manual',
  });
  assert.equal(response.status, 303);
  const location = new URL(response.headers.get('location'), link.payment_uri);
  const match = location.pathname.match(/^\/authorize\/(chrg_test_[0-9a-z]+)$/);
  assert.ok(match, location.pathname);
  return match[1];
}

// omise 1.1.0 has no call for mark_as_paid or mark_as_failed: a user of the
// client sends them as any HTTP request, with the secret key.
function mark(chargeId, outcome, key = secretKey) {
  return fetch(new URL(`/charges/${chargeId}/mark_as_${outcome}`, url), {
    method: 'POST',
    headers: {authorization: 'Basic ' + Buffer.from(key + ':').toString('base64')},
  });
}

function assertRefund(refund, chargeId, amount, metadata = {}) {
  assert.match(refund.id, /^rfnd_test_[0-9a-z]{19}$/);
  assert.equal(refund.object, 'refund');
  assert.equal(refund.location, `/charges/${chargeId}/refunds/${refund.id}`);
  assert.equal(refund.livemode, false);
  assert.equal(refund.amount, amount);
  assert.equal(refund.currency, 'THB');
  assert.equal(refund.charge, chargeId);
  assert.equal(refund.status, 'closed');
  assert.equal(refund.voided, false);
  assert.equal(refund.transaction, null);
  assert.equal(refund.funding_amount, amount);
  assert.deepEqual(refund.metadata, metadata);
  assert.ok(!Number.isNaN(Date.parse(refund.created_at)));
}

test('refund a charge in part, then in full; list and retrieve its refunds', async () => {
  const chargeId = await paidCharge();
  const before = await omise.charges.retrieve(chargeId);
  assert.equal(before.refunded_amount, 0);
  assert.equal(before.refundable, true);
  assert.equal(before.partially_refundable, true);
  assert.equal(before.refunds.object, 'list');
  assert.equal(before.refunds.total, 0);
  assert.equal(before.refunds.location, `/charges/${chargeId}/refunds`);

  const first = await omise.charges.createRefund(chargeId, {
    amount: 30000,
    metadata: {order: 'A-1'},
  });
  assertRefund(first, chargeId, 30000, {order: 'A-1'});
  const partly = await omise.charges.retrieve(chargeId);
  assert.equal(partly.refunded_amount, 30000);
  assert.equal(partly.refundable, true);
  assert.equal(partly.partially_refundable, true);
  assert.equal(partly.refunds.total, 1);
  assert.deepEqual(partly.refunds.data, [first]);

  // With a callback, as the client also allows.
  const rest = await new Promise((resolve, reject) => {
    omise.charges.createRefund(chargeId, {amount: 70000}, (error, made) =>
      error ? reject(error) : resolve(made));
  });
  assertRefund(rest, chargeId, 70000);
  const full = await omise.charges.retrieve(chargeId);
  assert.equal(full.refunded_amount, 100000);
  assert.equal(full.refundable, false);
  assert.equal(full.partially_refundable, false);
  assert.deepEqual(full.refunds.data, [first, rest]);

  const listed = await omise.charges.listRefunds(chargeId);
  assert.equal(listed.object, 'list');
  assert.equal(listed.location, `/charges/${chargeId}/refunds`);
  assert.equal(listed.total, 2);
  assert.equal(listed.order, 'chronological');
  assert.deepEqual(listed.data, [first, rest]);

  assert.deepEqual(await omise.charges.retrieveRefund(chargeId, first.id), first);
  const viaCallback = await new Promise((resolve, reject) => {
    omise.charges.retrieveRefund(chargeId, rest.id, (error, found) =>
      error ? reject(error) : resolve(found));
  });
  assert.deepEqual(viaCallback, rest);
});

test('a refund over what is left rejects with the failed_refund error object', async () => {
  const chargeId = await paidCharge();
  await assert.rejects(
    omise.charges.createRefund(chargeId, {amount: 100001}),
    omiseError('failed_refund'),
  );
  await omise.charges.createRefund(chargeId, {amount: 100000});
  await assert.rejects(
    omise.charges.createRefund(chargeId, {amount: 1}),
    (error) => omiseError('failed_refund')(error) &&
      error.message.includes('fully refunded'),
  );
  const charge = await omise.charges.retrieve(chargeId);
  assert.equal(charge.refunded_amount, 100000);
  assert.equal(charge.refunds.total, 1);
});

test('a declined charge rejects a refund with failed_refund', async () => {
  const chargeId = await paidCharge('4111111111140011');
  const charge = await omise.charges.retrieve(chargeId);
  assert.equal(charge.status, 'failed');
  assert.equal(charge.refundable, false);
  await assert.rejects(
    omise.charges.createRefund(chargeId, {amount: 1000}),
    (error) => omiseError('failed_refund')(error) &&
      error.message.includes('not successful'),
  );
});

test('refunds of a missing charge or a missing refund reject with not_found', async () => {
  const missingCharge = 'chrg_test_' + '0'.repeat(19);
  await assert.rejects(
    omise.charges.createRefund(missingCharge, {amount: 1000}),
    omiseError('not_found'),
  );
  await assert.rejects(omise.charges.listRefunds(missingCharge), omiseError('not_found'));
  const chargeId = await paidCharge();
  const missingRefund = 'rfnd_test_' + '0'.repeat(19);
  await assert.rejects(
    omise.charges.retrieveRefund(chargeId, missingRefund),
    omiseError('not_found', `refund ${missingRefund} was not found`),
  );
});

test('omise 1.1.0 has no list of every refund', () => {
  // GET /refunds is covered with the Python client instead.
  assert.equal('refunds' in omise, false);
});

test('a 3-D Secure charge is pending until marked as paid, then refunded', async () => {
  const link = await createLink();
  const chargeId = await start3ds(link, '4000000000003220');
  const pending = await omise.charges.retrieve(chargeId);
  assert.equal(pending.status, 'pending');
  assert.equal(pending.authorized, false);
  assert.equal(pending.paid, false);
  assert.ok(pending.authorize_uri.endsWith(`/authorize/${chargeId}`));
  await assert.rejects(
    omise.charges.createRefund(chargeId, {amount: 1000}),
    omiseError('failed_refund'),
  );

  const refused = await mark(chargeId, 'paid', publicKey);
  assert.equal(refused.status, 401);
  const marked = await mark(chargeId, 'paid');
  assert.equal(marked.status, 200);
  assert.equal((await marked.json()).status, 'successful');

  const paid = await omise.charges.retrieve(chargeId);
  assert.equal(paid.status, 'successful');
  assert.equal(paid.paid, true);
  assert.equal(paid.refundable, true);
  assert.equal((await omise.links.retrieve(link.id)).used, true);
  const refund = await omise.charges.createRefund(chargeId, {amount: 100000});
  assertRefund(refund, chargeId, 100000);

  const again = await mark(chargeId, 'failed');
  assert.equal(again.status, 400);
  assert.equal((await again.json()).code, 'bad_request');
});

test('a 3-D Secure charge marked as failed cannot be refunded', async () => {
  const chargeId = await start3ds(await createLink(), '5200000000003225');
  const marked = await mark(chargeId, 'failed');
  assert.equal(marked.status, 200);
  const failed = await omise.charges.retrieve(chargeId);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.failure_code, 'failed_processing');
  assert.equal(failed.card.last_digits, '3225');
  await assert.rejects(
    omise.charges.createRefund(chargeId, {amount: 1000}),
    omiseError('failed_refund'),
  );
});

test('retrieve the account and update it', async () => {
  const account = await omise.account.retrieve();
  assert.match(account.id, /^acct_/);
  assert.equal(account.object, 'account');
  assert.equal(account.location, '/account');
  assert.equal(account.livemode, false);
  assert.equal(account.country, 'TH');
  assert.equal(account.currency, 'THB');
  assert.equal(account.email, null);
  assert.equal(account.api_version, '2019-05-29');
  assert.ok(account.supported_currencies.includes('THB'));
  assert.ok(!Number.isNaN(Date.parse(account.created_at)));

  try {
    const updated = await omise.account.updateAccount({display_name: 'Somchai Shop'});
    assert.equal(updated.id, account.id);
    assert.equal(updated.display_name, 'Somchai Shop');
    assert.equal((await omise.account.retrieve()).display_name, 'Somchai Shop');
  } finally {
    await omise.account.updateAccount({display_name: account.display_name});
  }
  assert.deepEqual(await omise.account.retrieve(), account);

  await assert.rejects(
    omise.account.updateAccount({api_version: '2017-11-02'}),
    omiseError('bad_request'),
  );
  await assert.rejects(
    client({secretKey: publicKey}).account.retrieve(),
    omiseError('authentication_failure'),
  );
});

test('retrieve the capability with the public key, or the secret key', async () => {
  for (const api of [omise, client({publicKey: secretKey})]) {
    const capability = await api.capability.retrieve();
    assert.equal(capability.object, 'capability');
    assert.equal(capability.country, 'TH');
    assert.deepEqual(capability.banks, []);
    assert.deepEqual(capability.tokenization_methods, []);
    assert.equal(capability.zero_interest_installments, false);
    assert.equal(capability.payment_methods.length, 1);
    const [card] = capability.payment_methods;
    assert.equal(card.name, 'card');
    assert.ok(card.currencies.includes('THB'));
    assert.ok(card.card_brands.includes('Visa'));
    assert.ok(card.card_brands.includes('MasterCard'));
  }
  await assert.rejects(
    client({publicKey: 'pkey_test_' + '0'.repeat(19)}).capability.retrieve(),
    omiseError('authentication_failure'),
  );
});

// Search. omise 1.1.0 has `search.list(params)`: a GET of /search with the
// params in the query string through node's querystring.encode, which
// percent-encodes keys and values (brackets, spaces, Thai) but drops a
// nested object: `filters: {used: true}` goes as `filters=`. Callers send
// flat `'filters[used]': 'true'` keys instead. Other tests share this
// account, so every search here is narrowed by a marker in the titles.
const marker = 'srch' + Date.now().toString(36);

// Records the path of each request the client sends, without changing it.
async function sentPaths(work) {
  const http = require('node:http');
  const original = http.request;
  const paths = [];
  http.request = function(options, ...rest) {
    paths.push(options.path);
    return original.call(this, options, ...rest);
  };
  try {
    return {result: await work(), paths};
  } finally {
    http.request = original;
  }
}

let searchFixture;

// Five links and four charges, made once for the search tests.
async function searchData() {
  if (!searchFixture) {
    const make = (title, amount, multiple) => omise.links.create({
      amount,
      currency: 'thb',
      title: `${title} ${marker}`,
      description: `Search order of ${title}`,
      multiple,
    });
    // Amounts in satang: ฿1,500, ฿500, ฿2,500, ฿1,000, ฿2,000.
    const coffee = await make('Blue Mountain coffee', 150000, false);
    const tea = await make('Green tea', 50000, true);
    const thai = await make('กาแฟดอยช้าง', 250000, true);
    const latte = await make('Matcha latte', 100000, false);
    const espresso = await make('Espresso double', 200000, false);
    const declined = '4111111111140011';
    const coffeePaid = await pay(coffee, await createToken());
    const teaDeclined = await pay(tea, await createToken(omise, declined));
    const teaPaid = await pay(tea, await createToken());
    const espressoDeclined = await pay(espresso, await createToken(omise, declined));
    searchFixture = {
      coffee, tea, thai, latte, espresso,
      links: [coffee, tea, thai, latte, espresso],
      coffeePaid, teaDeclined, teaPaid, espressoDeclined,
      charges: [coffeePaid, teaDeclined, teaPaid, espressoDeclined],
    };
  }
  return searchFixture;
}

function assertFound(search, scope, expectedIds, total = expectedIds.length) {
  assert.equal(search.object, 'search');
  assert.equal(search.scope, scope);
  assert.ok(search.data.every((item) => item.object === scope));
  assert.deepEqual(search.data.map((item) => item.id), expectedIds);
  assert.equal(search.total, total);
}

const linkIds = (...links) => links.map((link) => link.id);

test('search links by query: the request and the search object', async () => {
  const {coffee, thai, links} = await searchData();
  const {result: found, paths} = await sentPaths(() =>
    omise.search.list({scope: 'link', query: `coffee ${marker}`}));
  assert.deepEqual(paths, [`/search?scope=link&query=coffee%20${marker}`]);
  assertFound(found, 'link', [coffee.id]);
  assert.equal(found.query, `coffee ${marker}`);
  assert.equal(found.location, '/search');
  assert.equal(found.page, 1);
  assert.equal(found.per_page, 30);
  assert.equal(found.total_pages, 1);
  assert.equal(found.order, 'chronological');
  assert.equal(found.export, null);
  assert.equal(found.aggregate_level, null);
  assert.deepEqual(found.filters, {});
  // Each result is the link GET /links/{id} answers.
  assert.deepEqual(found.data[0], await omise.links.retrieve(coffee.id));
  assert.equal(found.data[0].charges.total, 1);

  const everyOne = await omise.search.list({scope: 'link', query: marker});
  assertFound(everyOne, 'link', linkIds(...links));
  // Thai, percent-encoded by the client.
  const {result: inThai, paths: thaiPaths} = await sentPaths(() =>
    omise.search.list({scope: 'link', query: `ดอยช้าง ${marker}`}));
  assert.deepEqual(thaiPaths, [
    `/search?scope=link&query=${encodeURIComponent('ดอยช้าง')}%20${marker}`,
  ]);
  assertFound(inThai, 'link', [thai.id]);
  // Case-insensitive.
  const upper = `MATCHA LATTE ${marker.toUpperCase()}`;
  assertFound(await omise.search.list({scope: 'link', query: upper}), 'link', [links[3].id]);
  const nothing = `nothing-like-it-${marker}`;
  assertFound(await omise.search.list({scope: 'link', query: nothing}), 'link', []);
  // With a callback, as the client also allows.
  const viaCallback = await new Promise((resolve, reject) => {
    omise.search.list({scope: 'link', query: links[4].id}, (error, result) =>
      error ? reject(error) : resolve(result));
  });
  assertFound(viaCallback, 'link', [links[4].id]);
});

test('search links by flat filters, alone and with a query', async () => {
  const {coffee, tea, thai, latte, espresso} = await searchData();
  const search = (params) => omise.search.list({scope: 'link', query: marker, ...params});

  const {result: byAmount, paths} = await sentPaths(() =>
    search({'filters[amount]': '1000..2000'}));
  assert.deepEqual(paths, [
    `/search?scope=link&query=${marker}&filters%5Bamount%5D=1000..2000`,
  ]);
  assertFound(byAmount, 'link', linkIds(coffee, latte, espresso));
  assert.deepEqual(byAmount.filters, {amount: '1000..2000'});
  assertFound(await search({'filters[amount]': '..1000'}), 'link', linkIds(tea, latte));
  assertFound(await search({'filters[amount]': '2500..'}), 'link', linkIds(thai));
  assertFound(await search({'filters[amount]': 500}), 'link', linkIds(tea));

  // Booleans as strings or as JS booleans (the client writes `true`).
  assertFound(await search({'filters[used]': 'true'}), 'link', linkIds(coffee));
  assertFound(await search({'filters[used]': false}), 'link',
    linkIds(tea, thai, latte, espresso));
  assertFound(await search({'filters[multiple]': true}), 'link', linkIds(tea, thai));
  assertFound(await search({'filters[multiple]': 'false'}), 'link',
    linkIds(coffee, latte, espresso));
  const combined = await search({
    'filters[multiple]': 'false',
    'filters[used]': 'false',
    'filters[amount]': '..1500',
    'filters[currency]': 'thb',
  });
  assertFound(combined, 'link', linkIds(latte));
  assert.deepEqual(combined.filters,
    {amount: '..1500', currency: 'thb', multiple: 'false', used: 'false'});
  assertFound(
    await omise.search.list({
      scope: 'link', query: `tea ${marker}`, 'filters[multiple]': 'true',
    }),
    'link', linkIds(tea));

  const today = coffee.created_at.slice(0, 10);
  assertFound(await search({'filters[created]': today}), 'link',
    linkIds(coffee, tea, thai, latte, espresso));
  assertFound(await search({'filters[created]': '2001-01-01..2001-12-31'}), 'link', []);
  assertFound(await search({'filters[used_at]': `${today}..`}), 'link', linkIds(coffee));
});

test('a nested filters object is dropped by the client', async () => {
  const {links} = await searchData();
  const {result, paths} = await sentPaths(() =>
    omise.search.list({scope: 'link', query: marker, filters: {used: true}}));
  assert.deepEqual(paths, [`/search?scope=link&query=${marker}&filters=`]);
  // `filters=` is no filter at all: every link of the query.
  assertFound(result, 'link', linkIds(...links));
  assert.deepEqual(result.filters, {});
});

test('search charges by status, by query, and both', async () => {
  const {tea, espresso, coffeePaid, teaDeclined, teaPaid, espressoDeclined, charges} =
    await searchData();
  const search = (params) => omise.search.list({scope: 'charge', ...params});

  // The charges' description carries the link's title, so the marker.
  assertFound(await search({query: marker}), 'charge', charges);
  const failed = await search({query: marker, 'filters[status]': 'failed'});
  assertFound(failed, 'charge', [teaDeclined, espressoDeclined]);
  for (const charge of failed.data) {
    assert.equal(charge.status, 'failed');
    assert.equal(charge.paid, false);
    assert.equal(charge.failure_code, 'insufficient_fund');
    assert.equal(charge.card.last_digits, '0011');
  }
  assert.deepEqual(failed.data[0], await omise.charges.retrieve(teaDeclined));
  assertFound(await search({query: marker, 'filters[status]': 'successful'}), 'charge',
    [coffeePaid, teaPaid]);
  assertFound(await search({query: marker, 'filters[paid]': false}), 'charge',
    [teaDeclined, espressoDeclined]);

  // By the link's id (alone, or as a filter), the title, the charge's id.
  assertFound(await search({query: tea.id}), 'charge', [teaDeclined, teaPaid]);
  assertFound(await search({'filters[link]': tea.id}), 'charge', [teaDeclined, teaPaid]);
  assertFound(await search({query: `Mountain coffee ${marker}`}), 'charge', [coffeePaid]);
  assertFound(await search({query: teaPaid}), 'charge', [teaPaid]);
  assertFound(await search({query: `green tea ${marker}`, 'filters[status]': 'successful'}),
    'charge', [teaPaid]);
  assertFound(
    await search({
      'filters[link]': espresso.id, 'filters[failure_code]': 'insufficient_fund',
    }),
    'charge', [espressoDeclined]);
  assertFound(
    await search({
      query: marker, 'filters[amount]': '500', 'filters[card_last_digits]': '4242',
    }),
    'charge', [teaPaid]);
});

test('search a page at a time, in either order', async () => {
  const {coffee, tea, thai, latte, espresso, teaPaid, espressoDeclined} =
    await searchData();
  const search = (params) => omise.search.list({scope: 'link', query: marker, ...params});

  const newest = await search({order: 'reverse_chronological'});
  assertFound(newest, 'link', linkIds(espresso, latte, thai, tea, coffee));
  assert.equal(newest.order, 'reverse_chronological');

  const {result: second, paths} = await sentPaths(() => search({per_page: 2, page: 2}));
  assert.deepEqual(paths, [`/search?scope=link&query=${marker}&per_page=2&page=2`]);
  assertFound(second, 'link', linkIds(thai, latte), 5);
  assert.deepEqual([second.page, second.per_page, second.total_pages], [2, 2, 3]);
  assertFound(await search({order: 'reverse_chronological', per_page: 2, page: 3}),
    'link', linkIds(coffee), 5);
  const beyond = await search({per_page: 2, page: 9});
  assertFound(beyond, 'link', [], 5);
  assert.equal(beyond.page, 9);

  const walked = [];
  for (let page = 1; page <= 3; page++) {
    walked.push(...(await search({per_page: 2, page})).data.map((link) => link.id));
  }
  assert.deepEqual(walked, linkIds(coffee, tea, thai, latte, espresso));

  assertFound(
    await omise.search.list({
      scope: 'charge', query: marker, order: 'reverse_chronological', per_page: 1, page: 2,
    }),
    'charge', [teaPaid], 4);
  assertFound(
    await omise.search.list({
      scope: 'charge', query: marker, 'filters[status]': 'failed', per_page: 1, page: 2,
    }),
    'charge', [espressoDeclined], 2);
});

test('bad searches reject with the bad_request error object', async () => {
  for (const [params, needle] of [
    [{scope: 'refund'}, 'not supported'],
    [{scope: 'banana'}, 'not a search scope'],
    [{}, 'scope is required'],
    [{scope: 'link', 'filters[status]': 'failed'}, 'filters[status]'],
    [{scope: 'charge', 'filters[used]': 'true'}, 'filters[used]'],
    [{scope: 'link', 'filters[used]': 'maybe'}, 'filters[used]'],
    [{scope: 'link', 'filters[amount]': 'lots'}, 'filters[amount]'],
    [{scope: 'link', per_page: 101}, 'per_page'],
    [{scope: 'link', page: 0}, 'page'],
    [{scope: 'link', order: 'sideways'}, 'order'],
  ]) {
    await assert.rejects(
      omise.search.list(params),
      (error) => omiseError('bad_request')(error) && error.message.includes(needle),
      JSON.stringify(params),
    );
  }
  await assert.rejects(
    client({secretKey: publicKey}).search.list({scope: 'link'}),
    omiseError('authentication_failure'),
  );
});

test('omiseVersion 2015-11-17 searches in the older shape', async () => {
  const {coffee, teaDeclined, espressoDeclined} = await searchData();
  const legacy = client({omiseVersion: '2015-11-17'});
  const found = await legacy.search.list({scope: 'link', query: `coffee ${marker}`});
  assert.deepEqual(Object.keys(found).sort(), [
    'data', 'filters', 'object', 'order', 'page', 'query', 'scope', 'total', 'total_pages',
  ]);
  assertFound(found, 'link', [coffee.id]);
  assert.equal(found.data[0].currency, 'thb');
  assert.equal(typeof found.data[0].created, 'string');
  const failed = await legacy.search.list({
    scope: 'charge', query: marker, 'filters[status]': 'failed',
  });
  assertFound(failed, 'charge', [teaDeclined, espressoDeclined]);
  assert.equal(failed.data[0].currency, 'thb');
  assert.equal('created_at' in failed.data[0], false);
});
