// Secure generic (non-Open-Badges) credentials and presentations with Digital Bazaar's Data
// Integrity cryptosuites and with panva's `jose`, in ONE node process, for Badger's verifier.
// stdin:  {"credential": {...unsigned, no issuer}, "created": "<ISO>", "challenge": "<str>"}
// stdout: {"fixtures": {name: secured document | {"jwt": "<compact JWS>"}}}
//
// Every key is fresh (did:key, Ed25519 / P-256 / P-384); each credential's issuer is the did:key
// that signs it. Proof chains: @digitalbazaar/data-integrity 2.x (and jsonld-signatures) have no
// `previousProof` support yet, so the chained proof is made by DataIntegrityProof.createProof over
// the document whose `proof` is the proofs it names (VC Data Integrity §4.3, step "set
// proof to matchingProofs"): canonicalization, hashing and signing stay Digital Bazaar's.
import * as vc from '@digitalbazaar/vc';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import jsigs from 'jsonld-signatures';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {createSignCryptosuite as eddsaJcs2022} from
  '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {createSignCryptosuite as ecdsaJcs2019} from
  '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import {
  createSignCryptosuite as sdSign, createDiscloseCryptosuite as sdDisclose
} from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import {CompactSign, importJWK} from 'jose';
import {
  Ed25519Multikey, DataIntegrityProof, eddsaRdfc2022, dbDocumentLoader
} from './db-common.mjs';
import {main} from './common.mjs';

const {AssertionProofPurpose} = jsigs.purposes;

async function didKeyPair(kind) {
  const keyPair = kind === 'Ed25519' ?
    await Ed25519Multikey.generate() :
    await EcdsaMultikey.generate({curve: kind});
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  return keyPair;
}

function suiteFor(keyPair, cryptosuite, date) {
  return new DataIntegrityProof({signer: keyPair.signer(), cryptosuite, date});
}

async function fixtures({credential, created, challenge}) {
  const documentLoader = dbDocumentLoader({});
  const date = new Date(created);
  const out = {};
  const forIssuer = keyPair => ({...structuredClone(credential), issuer: keyPair.controller});
  const issue = (keyPair, cryptosuite, base) => vc.issue({
    credential: base ?? forIssuer(keyPair),
    suite: suiteFor(keyPair, cryptosuite, date), documentLoader
  });

  const ed = await didKeyPair('Ed25519');
  const p256 = await didKeyPair('P-256');
  const p384 = await didKeyPair('P-384');

  out['eddsa-rdfc-2022'] = await issue(ed, eddsaRdfc2022);
  out['eddsa-jcs-2022'] = await issue(ed, eddsaJcs2022());
  out['ecdsa-rdfc-2019-p256'] = await issue(p256, ecdsaRdfc2019);
  out['ecdsa-rdfc-2019-p384'] = await issue(p384, ecdsaRdfc2019);
  out['ecdsa-jcs-2019-p256'] = await issue(p256, ecdsaJcs2019());
  out['ecdsa-jcs-2019-p384'] = await issue(p384, ecdsaJcs2019());

  // ecdsa-sd-2023: the issuer's base proof (issuer and validFrom mandatory), then the holder's
  // derived proof revealing the subject's alumniOf only.
  const base = await vc.issue({
    credential: forIssuer(p256),
    suite: new DataIntegrityProof({
      signer: p256.signer(), date,
      cryptosuite: sdSign({mandatoryPointers: ['/issuer', '/validFrom']})
    }),
    documentLoader
  });
  out['ecdsa-sd-2023-derived'] = await vc.derive({
    verifiableCredential: base,
    suite: new DataIntegrityProof({
      cryptosuite: sdDisclose({
        selectivePointers: ['/credentialSubject/alumniOf']
      })
    }),
    documentLoader
  });

  // A proof set: the issuer's eddsa-rdfc-2022 proof, then an ecdsa-rdfc-2019 one by another
  // key (a witness), added by jsonld-signatures to the same set.
  const witness = await didKeyPair('P-256');
  out['proof-set'] = await jsigs.sign(structuredClone(out['eddsa-rdfc-2022']), {
    suite: suiteFor(witness, ecdsaRdfc2019, date),
    purpose: new AssertionProofPurpose(), documentLoader
  });

  // A proof chain: proof 1 (issuer, with an id), proof 2 chained to it (previousProof).
  const first = suiteFor(ed, eddsaRdfc2022, date);
  first.proof = {id: 'urn:uuid:6e4f7b7c-3c39-4a8e-9d43-1f3b6f2f2a01'};
  const chained = await jsigs.sign(forIssuer(ed), {
    suite: first, purpose: new AssertionProofPurpose(), documentLoader
  });
  const second = suiteFor(witness, ecdsaRdfc2019, date);
  second.proof = {previousProof: first.proof.id};
  const {proof: firstProof, ...unsecured} = chained;
  const secondProof = await second.createProof({
    document: {...unsecured, proof: [firstProof]},
    purpose: new AssertionProofPurpose(), proofSet: [], documentLoader
  });
  out['proof-chain'] = {...unsecured, proof: [firstProof, secondProof]};

  // VC-JOSE-COSE: the JWS payload IS the credential (typ vc+jwt, cty vc), signed by jose.
  const jwsFor = async (keyPair, alg) => {
    const jwk = alg === 'EdDSA' ?
      await Ed25519Multikey.toJwk({keyPair, secretKey: true}) :
      await EcdsaMultikey.toJwk({keyPair, secretKey: true});
    if(alg === 'EdDSA') {
      // The Multikey secret is seed || public key (64 bytes); RFC 8037's `d` is the seed.
      jwk.d = Buffer.from(jwk.d, 'base64url').subarray(0, 32).toString('base64url');
    }
    const key = await importJWK(jwk, alg);
    const payload = new TextEncoder().encode(JSON.stringify(forIssuer(keyPair)));
    return new CompactSign(payload)
      .setProtectedHeader({alg, typ: 'vc+jwt', cty: 'vc', kid: keyPair.id})
      .sign(key);
  };
  out['vc+jwt-es256'] = {jwt: await jwsFor(p256, 'ES256')};
  out['vc+jwt-eddsa'] = {jwt: await jwsFor(ed, 'EdDSA')};

  // A presentation signed by its holder (Ed25519, authentication, with a challenge), holding a
  // Data Integrity credential and an enveloped vc+jwt one.
  const holder = await didKeyPair('Ed25519');
  const presentation = vc.createPresentation({
    verifiableCredential: [out['ecdsa-rdfc-2019-p256']], holder: holder.controller
  });
  presentation.verifiableCredential.push({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: 'EnvelopedVerifiableCredential',
    id: 'data:application/vc+jwt,' + out['vc+jwt-es256'].jwt
  });
  out.presentation = await vc.signPresentation({
    presentation, suite: suiteFor(holder, eddsaRdfc2022, date), challenge,
    documentLoader
  });
  return {fixtures: out};
}

await main(fixtures);
