// A real OpenID Connect provider (panva's oidc-provider) for Confera's tests:
// one confidential client (authorization code flow, PKCE S256), and an
// interaction that logs in, without a form, the account the test chose.
//
// Environment: ISSUER (its URL as clients reach it), HOST and PORT (where it
// listens), CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (comma-separated).
// POST /_test/account {"sub", "email", "name"} chooses who logs in next.
// It prints "ready" on stdout when it listens.

import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const env = process.env;
let account = { sub: 'confera-test-subject', email: 'oidc-user@example.test', name: 'OIDC User' };

// A fresh signing key for each run: the relying party must fetch the JWKS.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(env.ISSUER, {
  clients: [{
    client_id: env.CLIENT_ID,
    client_secret: env.CLIENT_SECRET,
    redirect_uris: env.REDIRECT_URIS.split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['confera-test-provider-cookies'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const known = id === account.sub ? account : { sub: id };
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: known.email, email_verified: Boolean(known.email), name: known.name };
      },
    };
  },
});

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString() || '{}');
}

// The interaction: log in the chosen account, then grant what is asked.
async function interact(ctx) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } },
    { mergeWithLastSubmission: true });
}

provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path.startsWith('/interaction/')) {
    ctx.respond = false; // interactionFinished answers the redirect itself
    await interact(ctx);
    return;
  }
  if (ctx.method === 'POST' && ctx.path === '/_test/account') {
    account = await readJson(ctx.req);
    ctx.body = { ok: true };
    return;
  }
  await next();
});

provider.listen(Number(env.PORT), env.HOST, () => console.log('ready'));
