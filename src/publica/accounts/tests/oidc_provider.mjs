// SPDX-License-Identifier: EUPL-1.2
// A real OpenID Connect provider (panva's certified `oidc-provider`) on a free loopback port,
// for Publica's sign-in tests. The test chooses the make-believe person who signs in: its own
// login page takes the subject, the claims and the level of assurance (`acr`) as form fields.
//
// Usage: node oidc_provider.mjs '<json>' where json has client_id, client_secret and
// redirect_uri. Prints one JSON line {"issuer": "..."} once it listens; stops on SIGTERM.
//
// Clients: the given confidential client (client_secret_basic, PKCE required, ID tokens RS256)
// "<client_id>-hs256", whose ID tokens are signed with its secret instead of the provider's
// key, so a test can check that the relying party refuses them; and, when the options give a
// client_jwk (a public RSA key), "<client_id>-pkjwt", which authenticates with private_key_jwt.
// POST /_test/clock {"offset": seconds} moves the provider's clock, to issue expired tokens.

import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2] || '{}');
const clientId = options.client_id || 'publica';
const clientSecret = options.client_secret || 'a-long-test-secret-of-32-characters!';
const redirectUri = options.redirect_uri || 'http://testserver/account/oidc/callback/';

const realNow = Date.now.bind(Date);
let clockOffsetMs = 0;
Date.now = () => realNow() + clockOffsetMs;

const people = new Map(); // subject -> claims the test chose on the login page

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] || '').startsWith('application/json')) return JSON.parse(body);
  return Object.fromEntries(new URLSearchParams(body));
}

function configuration() {
  return {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: `${clientId}-hs256`,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'HS256',
      },
      ...(options.client_jwk ? [{
        client_id: `${clientId}-pkjwt`,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
        jwks: { keys: [options.client_jwk] },
      }] : []),
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['publica-test-cookie-key'] },
    pkce: { required: () => true },
    acrValues: [
      'http://eidas.europa.eu/LoA/low',
      'http://eidas.europa.eu/LoA/substantial',
      'http://eidas.europa.eu/LoA/high',
    ],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name'],
      person: ['person_number'],
    },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
    features: { devInteractions: { enabled: false } },
    async findAccount(ctx, sub) {
      const claims = people.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, async claims() { return { sub, ...claims }; } };
    },
  };
}

function loginPage(uid, details) {
  const { params } = details;
  return `<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body>
<h1>Sign in to the test identity provider</h1>
<p>Client ${escapeHtml(params.client_id)} asks for ${escapeHtml(params.scope)}.</p>
<form method="post" action="/interaction/${uid}/login">
  <label>Subject <input name="sub"></label>
  <label>Email <input name="email"></label>
  <label>Email verified <input name="email_verified" value="true"></label>
  <label>Given name <input name="given_name"></label>
  <label>Family name <input name="family_name"></label>
  <label>Person number <input name="person_number"></label>
  <label>Level <input name="acr" value="http://eidas.europa.eu/LoA/substantial"></label>
  <button>Sign in</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button>Cancel</button></form>
</body></html>`;
}

async function finishLogin(provider, req, res, form) {
  const details = await provider.interactionDetails(req, res);
  const sub = form.sub;
  const claims = { email_verified: form.email_verified === 'true' };
  for (const name of ['email', 'given_name', 'family_name', 'person_number']) {
    if (form[name]) claims[name] = form[name];
  }
  people.set(sub, claims);
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const result = { login: { accountId: sub, amr: ['pwd'], remember: false }, consent: { grantId } };
  if (form.acr) result.login.acr = form.acr;
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function handleInteraction(provider, req, res) {
  const [, , uid, action] = req.url.split('?')[0].split('/');
  if (req.method === 'GET' && !action) {
    const details = await provider.interactionDetails(req, res);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginPage(uid, details));
  } else if (req.method === 'POST' && action === 'login') {
    await finishLogin(provider, req, res, await readForm(req));
  } else if (req.method === 'POST' && action === 'abort') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
  } else {
    res.writeHead(404).end();
  }
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    try {
      if (req.url.startsWith('/interaction/')) {
        await handleInteraction(provider, req, res);
      } else if (req.method === 'POST' && req.url === '/_test/clock') {
        clockOffsetMs = Number((await readForm(req)).offset || 0) * 1000;
        res.writeHead(204).end();
      } else {
        callback(req, res);
      }
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
