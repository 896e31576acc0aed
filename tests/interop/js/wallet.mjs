// Wallets driven against a running Badger server (tests/interop/test_wallet_interop.py).
// Every step here is independent of Badger: the OpenID4VCI client is Sphereon's
// @sphereon/oid4vci-client; holder keys, proofs and JWTs are made with jose and Digital
// Bazaar's ed25519-multikey / did-method-key; the VC-API wallet signs its DID Authentication
// presentation with Digital Bazaar's vc (eddsa-rdfc-2022).
//
// stdin: {"items": [<step>, ...]}, run in order in this one process; a step is one of
//   {"action": "oid4vci", "uri", "config", "key": "did:key"|"jwk", "txCode"?}
//       -> {"ok", "credential"?, "holder", "error"?}   (Sphereon's client, end to end)
//   {"action": "token", "uri", "txCode"?}               -> {"status", "body"}  (raw token request)
//   {"action": "credential", "uri", "config", "proof": "wrong-nonce"|"other-key"}
//       -> {"status", "body"}   (token, then a credential request with a bad proof)
//   {"action": "vcapi", "url", "tamper"?: "challenge"|"domain"|"unsigned"|"tampered"|"replay"}
//       -> {"status", "body", "holder", "request"?}
// stdout: {"results": [...]}
import {OpenID4VCIClientV1_0_15 as OpenID4VCIClient} from '@sphereon/oid4vci-client';
import {SignJWT, exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint} from 'jose';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof, Ed25519Multikey, eddsaRdfc2022, dbDocumentLoader} from './db-common.mjs';
import {main} from './common.mjs';

const REAL_FETCH = globalThis.fetch;
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

// An Ed25519 did:key holder: the Multikey pair (Digital Bazaar) and the same key as a JOSE key.
async function didKeyHolder() {
  const keyPair = await Ed25519Multikey.generate();
  const did = 'did:key:' + keyPair.publicKeyMultibase;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  const jwk = await Ed25519Multikey.toJwk({keyPair, secretKey: true});
  // The Multikey secret is seed || public key (64 bytes); RFC 8037's `d` is the seed.
  jwk.d = Buffer.from(jwk.d, 'base64url').subarray(0, 32).toString('base64url');
  return {keyPair, did, kid: keyPair.id, privateKey: await importJWK(jwk, 'EdDSA')};
}

async function jwkHolder() {
  const {publicKey, privateKey} = await generateKeyPair('EdDSA', {crv: 'Ed25519'});
  const jwk = await exportJWK(publicKey);
  return {jwk, privateKey, thumbprint: await calculateJwkThumbprint(jwk)};
}

function signer(privateKey) {
  return async ({header, payload}) => new SignJWT({...payload})
    .setProtectedHeader({...header, alg: 'EdDSA'})
    .sign(privateKey);
}

async function offerOf(uri) {
  const query = new URL(uri.replace('openid-credential-offer://', 'https://wallet.invalid/')).searchParams;
  if(query.get('credential_offer')) {
    return JSON.parse(query.get('credential_offer'));
  }
  return (await REAL_FETCH(query.get('credential_offer_uri'))).json();
}

async function post(url, body, headers = {}) {
  const form = headers['content-type'] === 'application/x-www-form-urlencoded';
  const response = await REAL_FETCH(url, {
    method: 'POST',
    headers: {'content-type': 'application/json', ...headers},
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body)
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = {text};
  }
  return {status: response.status, body: parsed};
}

async function metadata(offer) {
  const base = offer.credential_issuer;
  const issuer = await (await REAL_FETCH(`${base}/.well-known/openid-credential-issuer`)).json();
  const as = await (await REAL_FETCH(`${base}/.well-known/oauth-authorization-server`)).json();
  return {issuer, as};
}

async function rawToken(offer, txCode) {
  const {as} = await metadata(offer);
  const body = {grant_type: PRE_AUTH, 'pre-authorized_code': offer.grants[PRE_AUTH]['pre-authorized_code']};
  if(txCode !== undefined) {
    body.tx_code = txCode;
  }
  return post(as.token_endpoint, body, {'content-type': 'application/x-www-form-urlencoded'});
}

const actions = {
  async oid4vci({uri, config, key, txCode}) {
    const holder = key === 'jwk' ? await jwkHolder() : await didKeyHolder();
    try {
      const client = await OpenID4VCIClient.fromURI({uri, resolveOfferUri: true, retrieveServerMetadata: true});
      await client.acquireAccessToken(txCode ? {pin: txCode} : {});
      const response = await client.acquireCredentials({
        credentialConfigurationId: config,
        proofCallbacks: {signCallback: signer(holder.privateKey)},
        alg: 'EdDSA',
        ...(key === 'jwk' ? {jwk: holder.jwk} : {kid: holder.kid})
      });
      const credential = response.credentials?.[0]?.credential ?? response.credential;
      return {ok: true, credential, holder: holder.did ?? holder.jwk, response};
    } catch(e) {
      return {ok: false, error: String(e?.message ?? e), holder: holder.did ?? holder.jwk};
    }
  },

  async token({uri, txCode}) {
    return rawToken(await offerOf(uri), txCode);
  },

  async credential({uri, config, proof}) {
    const offer = await offerOf(uri);
    const {issuer} = await metadata(offer);
    const token = await rawToken(offer);
    if(token.status !== 200) {
      return token;
    }
    const holder = await didKeyHolder();
    const other = await didKeyHolder();
    const nonce = proof === 'wrong-nonce' ? 'not-a-nonce-we-were-given' :
      (await post(issuer.nonce_endpoint, {})).body.c_nonce;
    // "other-key": the header names the holder's key, another key signs.
    const jwt = await new SignJWT({aud: offer.credential_issuer, nonce})
      .setProtectedHeader({alg: 'EdDSA', typ: 'openid4vci-proof+jwt', kid: holder.kid})
      .setIssuedAt()
      .sign(proof === 'other-key' ? other.privateKey : holder.privateKey);
    return post(issuer.credential_endpoint, {credential_configuration_id: config, proofs: {jwt: [jwt]}},
      {authorization: `Bearer ${token.body.access_token}`});
  },

  async vcapi({url, tamper}) {
    const holder = await didKeyHolder();
    const first = await post(url, {});
    if(first.status !== 200) {
      return {...first, holder: holder.did};
    }
    const request = first.body.verifiablePresentationRequest;
    const presentation = vc.createPresentation({holder: holder.did});
    const documentLoader = dbDocumentLoader({});
    let vp = presentation;
    if(tamper !== 'unsigned') {
      const suite = new DataIntegrityProof({signer: holder.keyPair.signer(), cryptosuite: eddsaRdfc2022});
      vp = await vc.signPresentation({
        presentation, suite, documentLoader,
        challenge: tamper === 'challenge' ? 'a-challenge-of-our-own' : request.challenge,
        domain: tamper === 'domain' ? 'wallet.invalid' : request.domain
      });
    }
    if(tamper === 'tampered') {
      vp = {...vp, holder: (await didKeyHolder()).did};
    }
    const answer = await post(url, {verifiablePresentation: vp});
    if(tamper === 'replay') {
      const again = await post(url, {verifiablePresentation: vp});
      return {...again, first: answer, holder: holder.did, request};
    }
    return {...answer, holder: holder.did, request};
  }
};

await main(async step => {
  const action = actions[step.action];
  if(!action) {
    throw new Error(`unknown action ${step.action}`);
  }
  return action(step);
});
